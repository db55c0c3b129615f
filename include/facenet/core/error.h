#pragma once
// Errors the library throws. main() maps them to exit codes:
// ConfigError (bad usage or config) -> 2, any other facenet::Error -> 1.
#include <exception>
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

/// The message of any exception for a user: one or a few lines. LibTorch's c10::Error text
/// loses its C++ backtrace ("Exception raised from ... frame #0 ..."), which goes to the log at
/// debug level only.
std::string error_message(const std::exception& e);

}  // namespace facenet
