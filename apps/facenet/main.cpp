// facenet: the command-line front end. Parses arguments and calls the library;
// exit codes: 0 success, 1 runtime failure, 2 bad usage or config (or a command's own status).
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/registry.h"
#include "facenet/core/error.h"
#include "logging_setup.h"

int main(int argc, char** argv) {
  facenet::cli::log_to_console();
  CLI::App app{"facenet: train, evaluate and deploy FaceNet-style face embeddings"};
  app.set_version_flag("--version", std::string("facenet-cpp ") + FACENET_VERSION);
  app.require_subcommand(1);
  facenet::cli::add_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {  // a command's exit status (cli::exit_with), already reported
    return e.get_exit_code();
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
