#include <iostream>
#include <map>

#include "commands/common.h"
#include "facenet/data/align.h"

namespace facenet::cli {

void register_align(CLI::App& app) {
  auto* cmd = app.add_subcommand("align", "Detect, crop (with margin) and resize the largest face of every image");
  auto o = std::make_shared<data::AlignOptions>();
  cmd->add_option("--input", o->input, "Input tree (root/<identity>/<image>)")->required();
  cmd->add_option("--output", o->output, "Output tree (same relative paths)")->required();
  cmd->add_option("--size", o->size, "Output side in pixels")->capture_default_str();
  cmd->add_option("--margin", o->margin, "Margin in source pixels (margin/2 per side)")->capture_default_str();
  const std::map<std::string, data::NoFaceAction> no_face{{"skip", data::NoFaceAction::Skip},
                                                           {"center", data::NoFaceAction::Center}};
  cmd->add_option("--no-face", o->no_face, "Images without a face: skip | center (centred square crop)")
      ->transform(CLI::CheckedTransformer(no_face, CLI::ignore_case))
      ->default_str("skip");
  const std::map<std::string, data::DetectorKind> detectors{{"haar", data::DetectorKind::Haar},
                                                             {"yunet", data::DetectorKind::YuNet}};
  cmd->add_option("--detector", o->detector, "haar (OpenCV cascade) | yunet (needs --model)")
      ->transform(CLI::CheckedTransformer(detectors, CLI::ignore_case))
      ->default_str("haar");
  cmd->add_option("--model", o->model, "YuNet ONNX model, or a Haar cascade XML (default: opencv-data's)");
  add_threads_option(cmd, o->threads);
  cmd->callback([o] {
    use_threads(o->threads);
    const auto s = data::align_dataset(*o);
    std::cout << s.images << " images: " << s.faces << " faces, " << s.no_face << " without a face ("
              << s.centre_crops << " centre-cropped), " << s.unreadable << " unreadable\n";
  });
}

}  // namespace facenet::cli
