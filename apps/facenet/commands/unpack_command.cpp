#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/pack_tools.h"

namespace facenet::cli {

void register_unpack(CLI::App& app) {
  auto* cmd = app.add_subcommand("unpack", "Write a pack's images as a folder tree <label>/<record>.<ext>");
  struct Options {
    std::string pack, out;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("pack", o->pack, "Pack folder (with train.rec) or the .rec file")->required();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->callback([o] {
    const auto n = tasks::run_unpack(o->pack, o->out);
    std::cout << "unpacked " << n << " images into " << o->out << "\n";
  });
}

}  // namespace facenet::cli
