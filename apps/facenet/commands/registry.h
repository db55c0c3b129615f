#pragma once
// The list of `facenet` subcommands.
#include <CLI/CLI.hpp>

namespace facenet::cli {

/// Adds every subcommand to `app`, in the order `facenet --help` lists them.
void add_commands(CLI::App& app);

}  // namespace facenet::cli
