// Every `facenet` subcommand, in the order `facenet --help` lists them. X(name) stands for
// `void register_<name>(CLI::App&)`, defined in commands/<name>_command.cpp, which adds the
// subcommand, binds its flags to the task's options struct and calls the task. Adding a command
// is that one file plus one line here: the list both declares the functions and calls them, so
// nothing else names them, and the order stays explicit (no static registration).
#include "commands/registry.h"

#define FACENET_COMMANDS(X) \
  X(info)                   \
  X(config)                 \
  X(synth)                  \
  X(pack)                   \
  X(unpack)                 \
  X(align)                  \
  X(detect)                 \
  X(annotate)               \
  X(bench_data)             \
  X(bench)                  \
  X(train)                  \
  X(eval)                   \
  X(summary)                \
  X(eval_embeddings)        \
  X(export)                 \
  X(import)                 \
  X(quantize)               \
  X(embed)                  \
  X(verify)                 \
  X(identify)               \
  X(check)                  \
  X(enroll)                 \
  X(eval_identify)          \
  X(cluster)                \
  X(serve)                  \
  X(bench_serve)

namespace facenet::cli {

#define FACENET_DECLARE_COMMAND(name) void register_##name(CLI::App& app);
FACENET_COMMANDS(FACENET_DECLARE_COMMAND)
#undef FACENET_DECLARE_COMMAND

void add_commands(CLI::App& app) {
#define FACENET_ADD_COMMAND(name) register_##name(app);
  FACENET_COMMANDS(FACENET_ADD_COMMAND)
#undef FACENET_ADD_COMMAND
}

}  // namespace facenet::cli
