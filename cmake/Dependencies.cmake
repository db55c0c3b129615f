# Every dependency is a Debian package installed by scripts/install-deps.sh.
# A missing one stops configuration with the package to install.
macro(facenet_require pkg debian)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    message(FATAL_ERROR
      "facenet-cpp: ${pkg} not found. Install the Debian package '${debian}' "
      "(all dependencies: sudo bash scripts/install-deps.sh).")
  endif()
endmacro()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
facenet_require(Torch libtorch-dev)
facenet_require(OpenCV libopencv-dev COMPONENTS core imgproc imgcodecs videoio dnn objdetect)
facenet_require(CLI11 libcli11-dev)
facenet_require(fmt libfmt-dev)
facenet_require(spdlog libspdlog-dev)
facenet_require(yaml-cpp libyaml-cpp-dev)
facenet_require(nlohmann_json nlohmann-json3-dev)
facenet_require(ONNX libonnx-dev)
facenet_require(Protobuf libprotobuf-dev)
facenet_require(ZLIB zlib1g-dev)
# `facenet serve`: SQLite (the gallery database) and cpp-httplib (Debian builds it as a shared
# library whose class layouts follow the macros its .pc file sets, so they come from there).
facenet_require(SQLite3 libsqlite3-dev)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
endif()
if(NOT HTTPLIB_FOUND)
  message(FATAL_ERROR "facenet-cpp: cpp-httplib not found. Install the Debian package 'libcpp-httplib-dev' "
    "(all dependencies: sudo bash scripts/install-deps.sh).")
endif()
if(NOT Protobuf_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "facenet-cpp: protoc not found (it generates the TensorBoard event messages). "
    "Install the Debian package 'protobuf-compiler' (sudo bash scripts/install-deps.sh).")
endif()
if(FACENET_BUILD_TESTS)
  facenet_require(GTest libgtest-dev)
endif()
if(NOT EXISTS /usr/include/gloo/config.h)
  message(FATAL_ERROR "facenet-cpp: Gloo headers not found (c10d's ProcessGroupGloo needs them). "
    "Install the Debian package 'libgloo-dev' (sudo bash scripts/install-deps.sh).")
endif()
