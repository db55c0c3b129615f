#include <iostream>
#include <optional>

#include "commands/common.h"
#include "facenet/tasks/run_eval.h"

namespace facenet::cli {

void register_eval_embeddings(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval-embeddings", "Re-run the verification protocol (LFW pairs) on a saved embeddings file, no network");
  struct Options {
    ConfigOptions config;
    std::string embeddings, out;
    std::optional<std::string> pairs;  ///< eval.pairs
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("--embeddings", opts->embeddings, "embeddings.pt written by `facenet eval`")->required();
  cmd->add_option("--pairs", opts->pairs, "Pairs file (LFW pairs.txt or 'path1 path2 0|1' lines); sets eval.pairs");
  cmd->add_option("--out", opts->out, "Folder for report.json, roc.png and roc.csv (none: print only)");
  opts->config.add_to(cmd);
  cmd->footer("Switches via --set, e.g. --set eval.distance=cosine --set eval.flip=concat --set eval.subtract_mean=true");
  cmd->callback([opts] {
    auto config = opts->config.load();
    assign_if(config.eval.pairs, opts->pairs);
    start_runtime(config);
    std::cout << tasks::run_eval_embeddings(config.eval, opts->embeddings, opts->out);
  });
}

}  // namespace facenet::cli
