#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/enroll.h"

namespace facenet::cli {

void register_enroll(CLI::App& app) {
  auto* cmd = app.add_subcommand("enroll", "Embed a folder of <identity>/<images> once into a gallery file for identify");
  auto o = std::make_shared<tasks::EnrollOptions>();
  add_model_option(cmd, o->model)->required();
  cmd->add_option("--gallery", o->gallery, "Folder of <identity>/<image> files")->required();
  cmd->add_option("--out", o->out, "Gallery file to write (e.g. gallery.fgal)")->required();
  cmd->add_flag("--mean", o->mean, "Keep one re-normalised mean embedding per identity");
  cmd->add_flag("--add", o->add, "Add to an existing gallery file (same model; identities merged by name)");
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect, false);
  cmd->callback([o] {
    use_threads(o->threads);
    const auto r = tasks::run_enroll(*o);
    std::cout << fmt::format("enrolled {} images ({} new identities) -> {}: {} identities, {} embeddings\n", r.images,
                             r.new_identities, o->out, r.identities, r.rows);
  });
}

}  // namespace facenet::cli
