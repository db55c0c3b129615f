#include <iostream>
#include <map>

#include "commands/common.h"
#include "facenet/detect/align.h"

namespace facenet::cli {

void register_align(CLI::App& app) {
  auto* cmd = app.add_subcommand("align", "Detect, crop (with margin) and resize the largest face of every image");
  auto o = std::make_shared<detect::AlignOptions>();
  auto request = std::make_shared<tasks::DetectArgs>();
  cmd->add_option("--input", o->input, "Input tree (root/<identity>/<image>)")->required();
  cmd->add_option("--output", o->output, "Output tree (same relative paths)")->required();
  cmd->add_option("--size", o->size, "Output side in pixels")->capture_default_str();
  cmd->add_option("--margin", o->margin,
                  "Margin in pixels: of the input photo (rule margin: margin/2 per side), of the output (rule "
                  "facenet_pytorch)")
      ->capture_default_str();
  add_choice_option<CropRule>(cmd, "--rule", o->rule,
                    "Crop rule: margin (davidsandberg's align_dataset_mtcnn), facenet_pytorch (its extract_face) or "
                    "5point (insightface's template; needs landmarks: mtcnn or yunet)");
  const std::map<std::string, detect::NoFaceAction> no_face{{"skip", detect::NoFaceAction::Skip},
                                                             {"center", detect::NoFaceAction::Center}};
  cmd->add_option("--no-face", o->no_face, "Images without a face: skip | center (centred square crop)")
      ->transform(CLI::CheckedTransformer(no_face, CLI::ignore_case))
      ->default_str("skip");
  cmd->add_option("--ext", o->ext,
                  "Output format by extension, e.g. png (davidsandberg's; lossless) or jpg; default: the input's");
  add_detect_options(cmd, *request, false, "mtcnn");
  add_threads_option(cmd, o->threads);
  cmd->callback([o, request] {
    use_threads(o->threads);
    o->detect.detector = detect::parse_detector(request->detector.empty() ? "mtcnn" : request->detector);
    detect::apply_request(*request, o->detect);
    const auto s = detect::align_dataset(*o);
    std::cout << detect::format_stats(s, o->no_face) << " -> " << o->output << " (bounding_boxes.txt, align.json)\n";
  });
}

}  // namespace facenet::cli
