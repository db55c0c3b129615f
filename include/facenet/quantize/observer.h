#pragma once
// Calibration observers: what range of values a tensor takes, turned into the scale and zero
// point of an 8-bit quantisation. Activations: per-tensor, unsigned (quint8, 0..255, asymmetric),
// as LibTorch's onednn engine takes them. Weights: per output channel, signed and symmetric
// (qint8, zero point 0), as its convolutions require.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace facenet::quantize {

/// x ~ scale * (q - zero_point).
struct QParams {
  double scale = 1;
  int64_t zero_point = 0;
};

/// quint8 parameters of the range [lo, hi], widened to hold 0 (so that 0 and ReLU's zeros are
/// exact): scale = (hi - lo) / 255, zero_point = round(-lo / scale) in [0, 255]. A range of
/// width 0 gives scale 1 (PyTorch's MinMaxObserver does the same, up to its eps floor).
QParams activation_qparams(double lo, double hi);

/// Per-output-channel symmetric qint8 scales of a weight (O, ...): max|w_o| / 127.5 (PyTorch's
/// per_channel_symmetric), 1 for an all-zero channel -> (O,) double tensor.
torch::Tensor weight_scales(const torch::Tensor& weight);

enum class ObserverKind {
  MinMax,     ///< the smallest and largest value seen
  Histogram,  ///< the central range holding 99.99% of the values (percentile clipping)
};
std::string to_string(ObserverKind kind);
/// "minmax" | "histogram"; ConfigError naming `key` and the value otherwise.
ObserverKind observer_kind(const std::string& name, const std::string& key);

class Observer {
 public:
  virtual ~Observer() = default;
  /// Accumulates the values of `x` (any shape, float).
  virtual void observe(const torch::Tensor& x) = 0;
  /// The range seen so far (lo <= hi); {0, 0} before any value.
  virtual std::pair<double, double> range() const = 0;
  QParams qparams() const {
    const auto [lo, hi] = range();
    return activation_qparams(lo, hi);
  }
};

/// A new observer of `kind`. Histogram: `bins` bins over the range seen so far, widened (and the
/// counts so far re-binned) when a batch falls outside it; the range it reports is the central
/// fraction `keep` of the values seen ((1 - keep) / 2 clipped at each end), read from the
/// cumulative counts with linear interpolation inside a bin.
std::unique_ptr<Observer> make_observer(ObserverKind kind, int64_t bins = 2048, double keep = 0.9999);

}  // namespace facenet::quantize
