// facenet: the command-line front end. Parses arguments and calls the library;
// exit codes: 0 success, 1 runtime failure, 2 bad usage or config.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/common.h"
#include "facenet/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"facenet: train, evaluate and deploy FaceNet-style face embeddings"};
  app.set_version_flag("--version", std::string("facenet-cpp ") + FACENET_VERSION);
  app.require_subcommand(1);
  facenet::cli::register_info(app);
  facenet::cli::register_config(app);
  facenet::cli::register_synth(app);
  facenet::cli::register_pack(app);
  facenet::cli::register_align(app);
  facenet::cli::register_annotate(app);
  facenet::cli::register_bench_data(app);
  facenet::cli::register_bench(app);
  facenet::cli::register_train(app);
  facenet::cli::register_eval(app);
  facenet::cli::register_summary(app);
  facenet::cli::register_eval_embeddings(app);
  facenet::cli::register_export(app);
  facenet::cli::register_import(app);
  facenet::cli::register_embed(app);
  facenet::cli::register_verify(app);
  facenet::cli::register_identify(app);
  facenet::cli::register_check(app);
  facenet::cli::register_enroll(app);
  facenet::cli::register_eval_identify(app);
  facenet::cli::register_cluster(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const facenet::ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << facenet::error_message(e) << "\n";
    return 1;
  }
  return 0;
}
