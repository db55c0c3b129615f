#pragma once
// The error message of a call, for tests of one-line errors.
#include <string>

#include "facenet/core/error.h"

namespace facenet::test {

/// The message of the facenet::Error `fn` throws, or "" when it does not throw one.
template <class F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const facenet::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace facenet::test
