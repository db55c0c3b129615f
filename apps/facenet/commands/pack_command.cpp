#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/pack_tools.h"

namespace facenet::cli {

void register_pack(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "pack", "Write an insightface training pack (train.rec, train.idx, property) from a folder tree or annotation file");
  struct Options {
    std::string input, out;
    int64_t size = 0;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("input", o->input, "Folder tree (<identity>/<image>), annotation file (<label>;<path>) or pack")
      ->required();
  cmd->add_option("--out", o->out, "Output folder for train.rec, train.idx, property")->required();
  cmd->add_option("--size", o->size,
                  "Resize images that are not SIZE x SIZE (re-encoded as JPEG q95); 0 = store the bytes as they are")
      ->capture_default_str();
  cmd->callback([o] {
    const auto r = tasks::run_pack(o->input, o->out, o->size);
    std::cout << "packed " << r.images << " images of " << r.identities << " identities into " << o->out
              << "/train.rec";
    if (r.resized > 0) std::cout << " (" << r.resized << " resized)";
    if (r.skipped > 0) std::cout << " (" << r.skipped << " unreadable skipped)";
    std::cout << "\n";
  });
}

}  // namespace facenet::cli
