#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/cluster_tools.h"
#include "facenet/tasks/gallery_tools.h"

namespace facenet::cli {

void register_enroll(CLI::App& app) {
  auto* cmd = app.add_subcommand("enroll", "Embed a folder of <identity>/<images> once into a gallery file for identify");
  auto o = std::make_shared<tasks::EnrollOptions>();
  cmd->add_option("--model", o->model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint")->required();
  cmd->add_option("--gallery", o->gallery, "Folder of <identity>/<image> files")->required();
  cmd->add_option("--out", o->out, "Gallery file to write (e.g. gallery.fgal)")->required();
  cmd->add_flag("--mean", o->mean, "Keep one re-normalised mean embedding per identity");
  cmd->add_flag("--add", o->add, "Add to an existing gallery file (same model; identities merged by name)");
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_dtype_option(cmd, o->dtype);
  add_detect_options(cmd, o->detect, false);
  cmd->callback([o] {
    const auto r = tasks::run_enroll(*o);
    std::cout << fmt::format("enrolled {} images ({} new identities) -> {}: {} identities, {} embeddings\n", r.images,
                             r.new_identities, o->out, r.identities, r.rows);
  });
}

void register_eval_identify(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval-identify",
                                 "Open-set 1:N evaluation: rank-1/5, FNIR at FPIR, DET plot (probes of identities not "
                                 "in the gallery are non-mated)");
  auto o = std::make_shared<tasks::EvalIdentifyOptions>();
  cmd->add_option("--model", o->model, "Model (default with a gallery file: the one it was enrolled with)");
  cmd->add_option("--gallery", o->gallery, "Gallery file (facenet enroll) or folder <identity>/<images>")->required();
  cmd->add_option("--probes", o->probes, "Folder <identity>/<images>")->required();
  cmd->add_option("--out", o->out, "Folder for identification.json and det.png");
  cmd->add_option("--fpir", o->fpir_targets, "FPIR targets")->capture_default_str();
  cmd->add_option("--threshold", o->threshold,
                  "L2 operating point reported with the FPIR targets (default: the model's calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_dtype_option(cmd, o->dtype);
  cmd->callback([o] { std::cout << tasks::run_eval_identify(*o).table; });
}

}  // namespace facenet::cli

namespace facenet::cli {

void register_cluster(CLI::App& app) {
  auto* cmd = app.add_subcommand("cluster", "Group photos' faces by person (clusters.csv, a folder and a contact sheet per cluster)");
  auto o = std::make_shared<tasks::ClusterOptions>();
  cmd->add_option("photos", o->inputs, "Folders (recursive) and/or image files")->required();
  cmd->add_option("--model", o->model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint")->required();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->add_option("--method", o->method, "chinese-whispers | dbscan | agglomerative")->capture_default_str();
  cmd->add_option("--threshold", o->threshold,
                  "L2 distance: edge (chinese whispers), eps (dbscan), cut (agglomerative); default: the model's "
                  "calibrated threshold");
  cmd->add_option("--iterations", o->iterations, "Chinese whispers iterations")->capture_default_str();
  cmd->add_option("--min-samples", o->min_samples, "DBSCAN min_samples (1 = no noise)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Chinese whispers seed")->capture_default_str();
  cmd->add_flag("--copy", o->copy, "Copy faces into the cluster folders (default: symlinks)");
  cmd->add_option("--labels", o->labels, "Folder <identity>/<images> of known identities: report precision/recall/F1");
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_dtype_option(cmd, o->dtype);
  add_detect_options(cmd, o->detect);
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON line per face (source, face, box, cluster) instead of the summary");
  cmd->callback([o, json] {
    const auto s = tasks::run_cluster(*o);
    std::cout << (*json ? s.json_lines : s.table);
  });
}

}  // namespace facenet::cli
