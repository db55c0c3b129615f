// Where the shipped MTCNN weights are (kept apart from mtcnn.cpp: its compile definition names
// this checkout's folder, and a file without torch headers builds without the PCH).
#include <cstdlib>
#include <string>

#include "facenet/detect/mtcnn.h"

#ifndef FACENET_MTCNN_DIR
#define FACENET_MTCNN_DIR "models/mtcnn"
#endif

namespace facenet::detect {

std::string shipped_mtcnn_dir() { return FACENET_MTCNN_DIR; }

std::string default_mtcnn_dir() {
  if (const char* env = std::getenv("FACENET_MTCNN_DIR"); env && *env) return env;
  return shipped_mtcnn_dir();
}

}  // namespace facenet::detect
