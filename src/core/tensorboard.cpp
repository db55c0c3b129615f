#include "facenet/core/tensorboard.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>

#include "src/core/proto/tensorboard_event.pb.h"
#include "facenet/core/error.h"
#include "facenet/core/tfrecord.h"

namespace facenet {
namespace fs = std::filesystem;

double unix_time_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string tensorboard_file_name(int64_t unix_seconds, const std::string& hostname) {
  return "events.out.tfevents." + std::to_string(unix_seconds) + "." + hostname;
}

namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

}  // namespace

struct TensorBoardWriter::Impl {
  std::mutex mutex;
  std::optional<tfrecord::Writer> writer;
  std::string path;
  bool failed = false;

  explicit Impl(const std::string& file) : path(file) {
    // Unbuffered: each event reaches the OS as one write as soon as it is added.
    writer.emplace(file, /*append=*/false, /*buffer_bytes=*/0);
    tbproto::Event event;
    event.set_wall_time(unix_time_now());
    event.set_file_version("brain.Event:2");
    write(event);
  }

  void fail(const char* what) {
    failed = true;
    spdlog::error("TensorBoard: {}; no further events are written to {}", what, path);
  }

  void write(const tbproto::Event& event) {
    std::lock_guard<std::mutex> lock(mutex);
    if (failed) return;
    try {
      writer->write(event.SerializeAsString());
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown error");
    }
  }

  void sync() {
    std::lock_guard<std::mutex> lock(mutex);
    if (failed) return;
    try {
      writer->sync();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
};

TensorBoardWriter::TensorBoardWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TensorBoardWriter::TensorBoardWriter(const std::string& log_dir) {
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  if (ec) throw Error("cannot create TensorBoard folder " + log_dir + ": " + ec.message());
  const auto seconds = static_cast<int64_t>(unix_time_now());
  const std::string base = (fs::path(log_dir) / tensorboard_file_name(seconds, host_name())).string();
  std::string file = base;
  for (int n = 1; fs::exists(file); ++n) file = base + "." + std::to_string(n);
  impl_ = std::make_unique<Impl>(file);
}

TensorBoardWriter TensorBoardWriter::open_file(const std::string& path) {
  return TensorBoardWriter(std::make_unique<Impl>(path));
}

TensorBoardWriter::~TensorBoardWriter() = default;
TensorBoardWriter::TensorBoardWriter(TensorBoardWriter&&) noexcept = default;
TensorBoardWriter& TensorBoardWriter::operator=(TensorBoardWriter&&) noexcept = default;

void TensorBoardWriter::add_scalar(const std::string& tag, int64_t step, double value, double wall_time) {
  add_scalars({{tag, value}}, step, wall_time);
}

void TensorBoardWriter::add_scalars(const std::vector<std::pair<std::string, double>>& values, int64_t step,
                                    double wall_time) {
  tbproto::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  auto* summary = event.mutable_summary();
  for (const auto& [tag, value] : values) {
    auto* v = summary->add_value();
    v->set_tag(tag);
    v->set_simple_value(static_cast<float>(value));
  }
  impl_->write(event);
}

void TensorBoardWriter::add_image(const std::string& tag, int64_t step, std::string_view encoded, int height,
                                  int width, int channels, double wall_time) {
  tbproto::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  auto* image = v->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(encoded.data(), encoded.size());
  impl_->write(event);
}

void TensorBoardWriter::flush() { impl_->sync(); }

const std::string& TensorBoardWriter::path() const { return impl_->path; }

bool TensorBoardWriter::ok() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return !impl_->failed;
}

std::vector<TensorBoardEvent> read_events(const std::string& path, bool allow_truncated_tail) {
  tfrecord::Reader reader(path);
  std::vector<TensorBoardEvent> events;
  std::string record;
  while (reader.read(record, allow_truncated_tail)) {
    tbproto::Event event;
    if (!event.ParseFromString(record))
      throw Error(path + ": record at byte " + std::to_string(reader.record_offset()) +
                  " is not a TensorBoard Event message");
    TensorBoardEvent out;
    out.wall_time = event.wall_time();
    out.step = event.step();
    if (event.has_file_version()) out.file_version = event.file_version();
    if (event.has_summary()) {
      for (const auto& v : event.summary().value()) {
        if (v.has_simple_value()) {
          out.scalars.push_back({v.tag(), v.simple_value()});
        } else if (v.has_image()) {
          const auto& im = v.image();
          out.images.push_back({v.tag(), im.height(), im.width(), im.colorspace(), im.encoded_image_string()});
        }
      }
    }
    events.push_back(std::move(out));
  }
  return events;
}

}  // namespace facenet
