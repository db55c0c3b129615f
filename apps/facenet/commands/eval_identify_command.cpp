#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/eval_identify.h"

namespace facenet::cli {

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
  add_detect_options(cmd, o->detect, false);
  add_network_options(cmd, *o);
  cmd->callback([o] {
    use_threads(o->threads);
    std::cout << tasks::run_eval_identify(*o).table;
  });
}

}  // namespace facenet::cli
