#pragma once
// Helpers for the data tests: a self-deleting temp folder and tiny image writers.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

namespace facenet::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("facenet_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

/// Writes a w x h image filled with BGR `colour` (format from the extension); creates folders.
inline void write_image(const std::filesystem::path& path, int w = 32, int h = 32,
                        cv::Scalar colour = cv::Scalar(40, 120, 200)) {
  std::filesystem::create_directories(path.parent_path());
  cv::Mat img(h, w, CV_8UC3, colour);
  cv::imwrite(path.string(), img);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace facenet::test
