#include <iostream>

#include "commands/common.h"
#include "facenet/data/annotation_source.h"
#include "facenet/data/folder_source.h"

namespace facenet::cli {

void register_annotate(CLI::App& app) {
  auto* cmd = app.add_subcommand("annotate", "Write a `<label>;<path>` annotation file (cls_train.txt) for a folder tree");
  auto root = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("cls_train.txt");
  cmd->add_option("root", *root, "Dataset root (root/<identity>/<image>)")->required();
  cmd->add_option("--out", *out, "Annotation file to write")->capture_default_str();
  cmd->callback([root, out] {
    data::ScanOptions scan;
    scan.use_cache = false;
    const auto ds = data::scan_folder(*root, scan);
    data::write_annotation(ds, *out);
    std::cout << "wrote " << ds.size() << " images of " << ds.num_classes() << " identities to " << *out << "\n";
  });
}

}  // namespace facenet::cli
