#pragma once
// What the serve tests share: a small model whose crop rule finds faces with Haar (which finds
// the drawn synthetic faces reliably), synthetic face photos as encoded bytes, and a real server
// on 127.0.0.1 at an ephemeral port with its own database.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "facenet/serve/server.h"
#include "support/export_test_util.h"

namespace facenet::test {

/// A 32-d MobileNet at 96 px, threshold 0.9 (l2), crop rule margin with detector haar.
inline const std::string& serve_model() {
  static const std::string path = [] {
    auto model = random_model(Backbone::MobileNet, 32, 96);
    const auto p = temp_path("serve_model.ckpt");
    CropConfig crop;
    crop.rule = CropRule::Margin;
    crop.margin = 16;
    crop.detector = FaceDetector::Haar;
    write_checkpoint(p, model, 96, 0.9, crop);
    return p;
  }();
  return path;
}

/// Another model (other weights): its collections are refused by a server of serve_model().
inline const std::string& other_model() {
  static const std::string path = [] {
    auto model = random_model(Backbone::MobileNet, 32, 96, 7);
    const auto p = temp_path("serve_other.ckpt");
    write_checkpoint(p, model, 96, 0.9);
    return p;
  }();
  return path;
}

/// A synthetic face photo, encoded as `ext`: test identity `identity`, image `image`. OpenCV's
/// Haar cascade finds about half of the drawn faces at 200 px, so the photos come from the
/// (identity, image) pairs it finds (listed from a run over identities 0-11, images 0-3): each
/// test identity is a different drawn identity with 1-3 detectable images.
inline std::string face_photo(int64_t identity, int64_t image, const std::string& ext = ".png") {
  struct Drawn {
    int identity;
    std::vector<int> images;
  };
  static const std::vector<Drawn> detectable = {{1, {1, 2, 3}}, {2, {0, 1, 3}}, {4, {1, 2, 3}}, {10, {1, 2, 3}},
                                                {6, {2, 3}},    {0, {0}},       {7, {2}},       {8, {3}},
                                                {9, {3}}};
  const auto& d = detectable[static_cast<size_t>(identity) % detectable.size()];
  cv::Mat face = synth_face(d.identity, d.images[static_cast<size_t>(image) % d.images.size()], 200);
  std::vector<uchar> out;
  cv::imencode(ext, face, out);
  return std::string(out.begin(), out.end());
}

/// Two synthetic faces side by side.
inline std::string two_faces_photo() {
  cv::Mat a = synth_face(1, 0, 200), b = synth_face(2, 0, 200), both;
  cv::hconcat(a, b, both);
  std::vector<uchar> out;
  cv::imencode(".png", both, out);
  return std::string(out.begin(), out.end());
}

/// A plain grey picture: no face.
inline std::string blank_photo() {
  cv::Mat grey(200, 200, CV_8UC3, cv::Scalar(128, 128, 128));
  std::vector<uchar> out;
  cv::imencode(".png", grey, out);
  return std::string(out.begin(), out.end());
}

inline std::string fresh_db(const std::string& name) {
  const auto p = temp_path(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  return p;
}

inline serve::ServeConfig serve_config(const std::string& db) {
  serve::ServeConfig c;
  c.model = serve_model();
  c.db = db;
  c.port = 0;
  c.max_wait_ms = 2;
  c.threads = 1;
  serve::validate_serve_config(c);
  return c;
}

/// A running server and a client of it.
struct LiveServer {
  explicit LiveServer(const serve::ServeConfig& config) : server(config), client("127.0.0.1", server.start()) {
    client.set_read_timeout(30, 0);
  }
  serve::Server server;
  httplib::Client client;
};

inline nlohmann::json json_of(const httplib::Result& r) {
  if (!r) return nlohmann::json();
  return nlohmann::json::parse(r->body, nullptr, false);
}

/// The error code of a JSON error reply ("" when it is not one).
inline std::string error_code(const httplib::Result& r) {
  const auto j = json_of(r);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

}  // namespace facenet::test
