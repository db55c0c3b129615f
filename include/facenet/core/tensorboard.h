#pragma once
// TensorBoard event files: scalars and images in the format TensorFlow, PyTorch's
// SummaryWriter and TensorBoard use (TFRecord-framed tensorflow.Event protos; the messages
// are in src/core/proto/tensorboard_event.proto).
//
//   facenet::TensorBoardWriter tb(run_dir + "/tensorboard");
//   tb.add_scalar("train/loss", step, loss);
//   tb.add_image("eval/roc", epoch, png_bytes, 480, 640, 3);
//
// then `tensorboard --logdir run_dir`.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace facenet {

/// Seconds since the Unix epoch, with sub-second precision (an event's wall_time).
double unix_time_now();

/// Appends events to one event file. Every event is handed to the OS as soon as it is added,
/// so a killed process leaves a readable file (at worst a truncated last record, which
/// TensorBoard and read_events(path, true) skip). Writing never throws: the first failure
/// (a full disk, say) is logged once with spdlog and later events are dropped; ok() turns
/// false. Thread-safe.
class TensorBoardWriter {
 public:
  /// Creates `log_dir` (and parents) and `log_dir/events.out.tfevents.<unix seconds>.<hostname>`
  /// (".1", ".2", ... appended if that name exists), then writes the first event,
  /// file_version "brain.Event:2". Throws facenet::Error when the folder or file cannot be
  /// created.
  explicit TensorBoardWriter(const std::string& log_dir);
  /// Writes to exactly `path` (its folder must exist); otherwise as the constructor.
  static TensorBoardWriter open_file(const std::string& path);

  ~TensorBoardWriter();
  TensorBoardWriter(TensorBoardWriter&&) noexcept;
  TensorBoardWriter& operator=(TensorBoardWriter&&) noexcept;

  /// One scalar (stored as float, TensorBoard's simple_value).
  void add_scalar(const std::string& tag, int64_t step, double value, double wall_time = unix_time_now());
  /// Several scalars in one event (one record).
  void add_scalars(const std::vector<std::pair<std::string, double>>& values, int64_t step,
                   double wall_time = unix_time_now());
  /// An encoded image (PNG or JPEG bytes) of height x width pixels with `channels` channels
  /// (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA: Summary.Image's colorspace).
  void add_image(const std::string& tag, int64_t step, std::string_view encoded, int height, int width,
                 int channels, double wall_time = unix_time_now());
  /// Makes sure every event reached the disk (fsync). Never throws.
  void flush();

  /// The event file's path.
  const std::string& path() const;
  /// False once a write has failed (later events are dropped).
  bool ok() const;

 private:
  struct Impl;
  explicit TensorBoardWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// What read_events returns for one event.
struct TensorBoardScalar {
  std::string tag;
  float value = 0;
};
struct TensorBoardImage {
  std::string tag;
  int height = 0, width = 0, channels = 0;  ///< channels: Summary.Image's colorspace
  std::string encoded;                      ///< PNG/JPEG bytes
};
struct TensorBoardEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;  ///< set on a file's first event only
  std::vector<TensorBoardScalar> scalars;
  std::vector<TensorBoardImage> images;
};

/// Every event of an event file, CRC-verified. Summary values other than scalars and images
/// are skipped. Throws facenet::Error naming the file and byte offset on a corrupt record, an
/// unparsable event, or (unless `allow_truncated_tail`) a file ending inside its last record.
std::vector<TensorBoardEvent> read_events(const std::string& path, bool allow_truncated_tail = false);

/// The event file name TensorBoard looks for: "events.out.tfevents.<unix_seconds>.<hostname>".
std::string tensorboard_file_name(int64_t unix_seconds, const std::string& hostname);

}  // namespace facenet
