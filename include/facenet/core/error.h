#pragma once
// Errors the library throws. main() maps them to exit codes:
// ConfigError (bad usage or config) -> 2, any other facenet::Error -> 1.
#include <stdexcept>
#include <string>

namespace facenet {

/// A runtime failure (I/O, data, model files). The message names the file or key.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A bad configuration value or command-line usage; the message names key, file and line.
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace facenet
