#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/cluster_tools.h"

namespace facenet::cli {

void register_cluster(CLI::App& app) {
  auto* cmd = app.add_subcommand("cluster", "Group photos' faces by person (clusters.csv, a folder and a contact sheet per cluster)");
  auto o = std::make_shared<tasks::ClusterOptions>();
  cmd->add_option("photos", o->inputs,
                  "Folders (recursive) and/or image files, and video files (every face of every Nth frame)")
      ->required();
  add_model_option(cmd, o->model)->required();
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
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect);
  add_video_options(cmd, o->video);
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON line per face (source, face, box, cluster) instead of the summary");
  cmd->callback([o, json] {
    use_threads(o->threads);
    const auto s = tasks::run_cluster(*o);
    std::cout << (*json ? s.json_lines : s.table);
  });
}

}  // namespace facenet::cli
