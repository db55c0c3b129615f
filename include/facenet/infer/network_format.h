#pragma once
// The table of network file formats: for each format, keyed by its name, how a file of it is
// recognised (sniff), loaded (load), described by `facenet check` (inspect) and written from
// a model (write). `facenet export --format`, `check`, `info` and load_network read this table,
// and nothing else names a format.
//
// Why the table lives here and is filled from two layers: the inference layer must load every
// built-in format in any program (Embedder, with nothing registered first), so the loaders of
// ONNX, TorchScript and checkpoints register here (builtin_formats in network_format.cpp).
// The writers live in the export layer, above this one, so export completes those rows with
// them and adds the formats only it knows (state-dict) when exporting::formats() first runs
// (add_export_rows in src/export/export_formats.cpp). The CLI reads exporting::formats() while
// it builds `export --help`, so in the CLI every command sees every row.
// A row is one value either way: a new format is one file returning a NetworkFormat with the
// parts it has, plus one `add` line in its layer's list; a program or a test adds its own
// format the same way (tests/export/toy_format_test.cpp).
//
// The table is a function-local static (network_formats()), the one mutable registry of the
// inference layer: formats are added at start-up, before files are loaded; adding is not
// synchronised with loading.
#include <torch/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/core/precision.h"
#include "facenet/infer/foreign.h"
#include "facenet/infer/meta.h"

namespace facenet::models {
class FaceNetImpl;
}

namespace facenet::infer {

/// An embedding network read from a file.
struct LoadedNetwork {
  std::string format;  ///< the name of the row that loaded it ("checkpoint", "onnx", ...; set by the table)
  ExportMeta meta;
  bool digest_verified = false;  ///< false only for files written before digests were recorded
  Precision precision = Precision::FP32;  ///< what forward computes in (ONNX: always fp32)
  /// (N, 3, S, S) preprocessed float images -> (N, D) unit-norm embeddings on the CPU, no grad.
  std::function<torch::Tensor(const torch::Tensor&)> forward;
};

/// `facenet check`'s "key: value" lines beyond backbone, embedding size and preprocessing.
using Facts = std::vector<std::pair<std::string, std::string>>;

/// What `facenet check` reports about a file of a format.
struct Inspection {
  ExportMeta meta;
  bool digest_verified = false;
  Facts facts;  ///< format-specific lines (a checkpoint's step and epoch, an export's threshold)
};

struct NetworkFormat {
  /// The key: the config spelling (export.format) and LoadedNetwork::format.
  std::string name;
  /// What `facenet check` calls a file of it ("onnx export", "checkpoint").
  std::string kind;
  /// One line for `facenet export --help` and `facenet info`.
  std::string description;
  /// The usual file name ending (".onnx"), for help texts only: sniff decides what a file is.
  std::string extension;
  /// True when the file holds this format, from its first kSniffBytes bytes (`head`, fewer for
  /// a shorter file) and, where the signature is not enough, the file at `path`. Throws
  /// facenet::Error naming the file only when it carries this format's signature but cannot be
  /// read (a corrupt archive). Sniffs of different rows should not both accept a file: the
  /// first row in registration order wins.
  std::function<bool(const std::string& path, const std::string& head)> sniff;
  /// The file -> the network, its metadata verified (a digest mismatch is an Error naming the
  /// file). `dtype` is runtime.inference_dtype (infer::inference_precision resolves it).
  std::function<LoadedNetwork(const std::string& path, InferenceDtype dtype)> load;
  /// `facenet check`'s description without building the network. Optional: a format without it
  /// is loaded and described by its metadata, threshold and source.
  std::function<Inspection(const std::string& path)> inspect;
  /// The eval-mode model -> `path` (written atomically, carrying `meta` where the format can).
  /// Returns a detail for the export's summary line ("seed" for a state dict's layout) or "".
  /// Throws ConfigError for an `config` the format cannot honour, facenet::Error naming the file.
  std::function<std::string(models::FaceNetImpl& model, const ExportMeta& meta, const ExportConfig& config,
                            const std::string& path)>
      write;
  /// A file of this format that facenet did not write (no facenet metadata), fed as the user
  /// stated (`stated`: flags and sidecar merged, infer/foreign.h); its meta().foreign is set.
  /// Optional: only formats that run foreign models have it (onnx). Throws facenet::Error naming
  /// the file when it carries facenet metadata (its own preprocessing), when the statement lacks
  /// a part or disagrees with the model's input.
  std::function<LoadedNetwork(const std::string& path, const PreprocessStatement& stated)> load_foreign = {};
};

/// How many leading bytes of a file sniff sees.
inline constexpr std::size_t kSniffBytes = 16;

class NetworkFormats {
 public:
  /// Adds `format` as a new row, or completes the row of the same name: each part the row lacks
  /// is taken from `format` (export adds the writer of a format the inference layer loads).
  /// Throws facenet::Error when `format` has no name or gives a function part the row already
  /// has (two registrations of one part).
  void add(NetworkFormat format);

  /// Every row, in registration order.
  const std::vector<NetworkFormat>& rows() const { return rows_; }
  /// The row named `name`, or nullptr.
  const NetworkFormat* find(const std::string& name) const;
  /// The row that writes `name`; ConfigError "export.format: unknown format 'x' (registered: ...)"
  /// listing the formats that can be written, when there is none.
  const NetworkFormat& writer(const std::string& name) const;
  /// The first row whose sniff accepts the file at `path`. Throws facenet::Error naming the
  /// file when it does not exist, when no row accepts it ("is not a facenet model", listing the
  /// kinds the table recognises), or when a sniff finds its signature on a corrupt file.
  const NetworkFormat& format_of(const std::string& path) const;
  /// The network in the file at `path`, by the row format_of picks; Error when that row has no loader.
  /// `stated` (flags) completed by the model's sidecar (with_sidecar): when anything is stated the
  /// row's load_foreign reads the file (an Error naming the file for a format without it).
  LoadedNetwork load(const std::string& path, InferenceDtype dtype, const PreprocessStatement& stated = {}) const;
  /// check's description of a file of `format`: its inspect, else its metadata once loaded
  /// (a foreign model's with `stated` and its sidecar).
  Inspection inspect(const NetworkFormat& format, const std::string& path, const PreprocessStatement& stated = {}) const;

 private:
  std::vector<NetworkFormat> rows_;
};

/// The table: the loaders of the inference layer registered on first use, and whatever other
/// layers (exporting::formats()), programs or tests have added since.
NetworkFormats& network_formats();

}  // namespace facenet::infer
