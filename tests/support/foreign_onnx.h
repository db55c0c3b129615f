#pragma once
// A foreign ONNX face model for tests, built with the onnx protobuf API: input "input.1"
// (N x 3 x 8 x 8 or any dims asked) -> Flatten -> Gemm (seeded weights) -> 5 raw features, no
// facenet metadata; and its embedding of an image computed by hand (no facenet code on the way).
#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "support/export_test_util.h"

namespace facenet::test::foreign {

constexpr int kSide = 8;
constexpr int kDim = 5;
constexpr int kIn = 3 * kSide * kSide;

/// Gemm weights (kDim x kIn) and bias with a fixed seed.
struct Weights {
  std::vector<float> w, b;
};
inline const Weights& weights() {
  static const Weights w = [] {
    Weights x;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int i = 0; i < kDim * kIn; ++i) x.w.push_back(u(rng));
    for (int i = 0; i < kDim; ++i) x.b.push_back(u(rng));
    return x;
  }();
  return w;
}

inline void set_dims(onnx::ValueInfoProto* v, const std::vector<int64_t>& dims) {
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (auto d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0)
      dim->set_dim_param("N");
    else
      dim->set_dim_value(d);
  }
}

inline void add_tensor(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims,
                const std::vector<float>& values) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

/// input.1 (`dims`, -1 = dynamic) -> Flatten -> Gemm(W, b, transB) -> (N, kDim), unnormalised.
inline std::string gemm_model(const std::string& name, const std::vector<int64_t>& dims) {
  onnx::ModelProto proto;
  proto.set_ir_version(7);
  proto.set_producer_name("facenet-cpp test (a foreign model)");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* g = proto.mutable_graph();
  g->set_name("gemm");
  set_dims(g->add_input(), dims);
  g->mutable_input(0)->set_name("input.1");
  add_tensor(g, "W", {kDim, kIn}, weights().w);
  add_tensor(g, "b", {kDim}, weights().b);
  auto* flatten = g->add_node();
  flatten->set_op_type("Flatten");
  flatten->add_input("input.1");
  flatten->add_output("flat");
  auto* axis = flatten->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  auto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  for (const char* in : {"flat", "W", "b"}) gemm->add_input(in);
  gemm->add_output("features");
  auto* trans = gemm->add_attribute();
  trans->set_name("transB");
  trans->set_type(onnx::AttributeProto::INT);
  trans->set_i(1);
  set_dims(g->add_output(), {dims.empty() ? 1 : dims[0], kDim});
  g->mutable_output(0)->set_name("features");
  const auto path = temp_path(name);
  std::ofstream out(path, std::ios::binary);
  proto.SerializeToOstream(&out);
  return path;
}

inline cv::Mat image(int seed) {
  cv::Mat m(kSide, kSide, CV_8UC3);
  cv::RNG rng(static_cast<uint64_t>(seed) + 1);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

/// The embedding computed by hand: pixel (BGR bytes) -> channel c of `order` -> (v - mean[c]) /
/// std[c] -> W x + b -> unit length.
inline std::vector<double> expected(const cv::Mat& bgr, ChannelOrder order, const std::vector<double>& mean,
                             const std::vector<double>& stdv) {
  std::vector<double> x(kIn);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < kSide; ++y)
      for (int i = 0; i < kSide; ++i) {
        const int byte = order == ChannelOrder::RGB ? 2 - c : c;
        const double v = bgr.at<cv::Vec3b>(y, i)[byte];
        x[(c * kSide + y) * kSide + i] = (v - mean[mean.size() == 3 ? c : 0]) / stdv[stdv.size() == 3 ? c : 0];
      }
  std::vector<double> out(kDim);
  double norm = 0;
  for (int d = 0; d < kDim; ++d) {
    double s = weights().b[d];
    for (int i = 0; i < kIn; ++i) s += double(weights().w[d * kIn + i]) * x[i];
    out[d] = s;
    norm += s * s;
  }
  for (auto& v : out) v /= std::sqrt(norm);
  return out;
}

}  // namespace facenet::test::foreign
