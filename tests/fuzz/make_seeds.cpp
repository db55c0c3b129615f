// Writes the binary seed corpora of tests/fuzz/corpus/ with the project's own writers:
//   fuzz_make_seeds <corpus dir>
// (scripts/fuzz.sh does not run it; the seeds it made are committed. Re-run it after a format
// changes.) Each seed starts with the mode byte its harness reads first, where it has one.
#include <caffe2/serialize/inline_container.h>
#include <onnx/onnx_pb.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/crc32c.h"
#include "facenet/core/tensorboard.h"
#include "facenet/core/zip_digest.h"
#include "facenet/data/recordio.h"
#include "facenet/infer/meta.h"
#include "support/pickle_writer.h"

namespace fs = std::filesystem;
using facenet::data::recordio::IRHeader;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void put(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string byte(int b) { return std::string(1, char(b)); }

std::string image(const std::string& ext, int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 30), uchar(y * 30), uchar((x + y) * 15));
  std::vector<uchar> buf;
  cv::imencode(ext, m, buf, ext == ".jpg" ? std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 50} : std::vector<int>{});
  return std::string(buf.begin(), buf.end());
}

// An insightface pack as pack_fuzz takes it: idx length, property length, idx, property, rec.
std::string pack_input(bool header) {
  std::string rec, idx;
  auto add = [&](uint64_t key, const IRHeader& h, const std::string& data) {
    idx += fmt::format("{}\t{}\n", key, rec.size());
    facenet::data::recordio::append_record(rec, facenet::data::recordio::pack(h, data));
  };
  const auto img = image(".png", 4, 4);
  if (header) {
    IRHeader h0;
    h0.labels = {3.f, 5.f};  // images 1, 2; identities 3, 4
    add(0, h0, "");
    IRHeader a;
    a.label = 0;
    add(1, a, img);
    IRHeader b;
    b.label = 1;
    add(2, b, img);
    IRHeader i0;
    i0.labels = {1.f, 2.f};
    add(3, i0, "");
    IRHeader i1;
    i1.labels = {2.f, 3.f};
    add(4, i1, "");
  } else {
    for (int k = 0; k < 3; ++k) {
      IRHeader h;
      h.label = float(k % 2);
      h.id = k;
      add(k, h, img);
    }
  }
  const std::string property = header ? "2,4,4\n" : "";
  std::string out;
  out += char(idx.size() & 0xff);
  out += char(idx.size() >> 8);
  out += header ? char(property.size()) : char(255);
  return out + idx + property + rec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: fuzz_make_seeds <corpus dir>\n");
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "facenet-fuzz-seeds";
  fs::create_directories(tmp);

  // image_fuzz: mode byte + PNG / JPEG / grey PNG.
  put(out / "image_fuzz/png", byte(0x10) + image(".png", 6, 5));
  put(out / "image_fuzz/jpg", byte(0x91) + image(".jpg", 9, 7));
  {
    cv::Mat g(5, 3, CV_8UC1, cv::Scalar(77));
    std::vector<uchar> buf;
    cv::imencode(".png", g, buf);
    put(out / "image_fuzz/grey_png", byte(0x41) + std::string(buf.begin(), buf.end()));
  }
  put(out / "image_fuzz/bmp", byte(0x02) + image(".bmp", 3, 3));

  // bin_fuzz: Python 2's pickle of (images, issame), two pairs.
  {
    const auto i1 = image(".jpg", 4, 4), i2 = image(".png", 4, 4);
    put(out / "bin_fuzz/py2", facenet::test::python2_bin_pickle({i1, i2, i2, i1}, {true, false}));
    put(out / "bin_fuzz/py2_one", facenet::test::python2_bin_pickle({"ab", "cd"}, {true}));
  }

  // recordio_fuzz: plain records, a record split around the magic, IRHeaders with labels.
  {
    std::string rec;
    IRHeader h;
    h.label = 3;
    facenet::data::recordio::append_record(rec, facenet::data::recordio::pack(h, "abc"));
    IRHeader h2;
    h2.labels = {1.f, 2.f};
    facenet::data::recordio::append_record(rec, facenet::data::recordio::pack(h2, ""));
    std::string magic(4, '\0');
    const uint32_t m = facenet::data::recordio::kMagic;
    std::memcpy(magic.data(), &m, 4);
    facenet::data::recordio::append_record(rec, "abcd" + magic + "efgh" + magic);
    put(out / "recordio_fuzz/records", rec);
  }

  // pack_fuzz: with and without insightface's header record.
  put(out / "pack_fuzz/header", pack_input(true));
  put(out / "pack_fuzz/plain", pack_input(false));

  // tfrecord_fuzz: an event file written by TensorBoardWriter (scalars + an image).
  {
    const auto path = (tmp / "events.out.tfevents.1.seed").string();
    fs::remove(path);
    {
      auto tb = facenet::TensorBoardWriter::open_file(path);
      tb.add_scalar("train/loss", 1, 0.5, 10.0);
      tb.add_scalars({{"eval/acc", 0.9}, {"eval/val", 0.3}}, 2, 11.0);
      tb.add_image("eval/roc", 2, image(".png", 2, 2), 2, 2, 3, 12.0);
    }
    const auto bytes = read_all(path);
    put(out / "tfrecord_fuzz/events_strict", byte(0) + bytes);
    put(out / "tfrecord_fuzz/events_truncated", byte(1) + bytes.substr(0, bytes.size() - 7));
  }

  // checkpoint_fuzz: a real (tiny: the "model" is one Linear) checkpoint, sealed and not, and
  // the meta/config form.
  facenet::Config config = facenet::load_config_text(read_all(FACENET_SOURCE_DIR "/configs/synth_smoke.yaml"),
                                                     "synth_smoke.yaml");
  {
    torch::nn::Linear linear(2, 2);
    facenet::TrainingState state;
    state.epoch = 1;
    state.step = 10;
    state.sampler = "pk:0:0";
    const auto path = (tmp / "seed.pt").string();
    facenet::save_checkpoint(path, {config, state, 5, *linear, nullptr, nullptr});
    const auto sealed = read_all(path);
    put(out / "checkpoint_fuzz/sealed", byte(0) + sealed);
    // Unsealed: the comment and its length removed (a checkpoint from before digests).
    std::string plain = sealed;
    const auto end = plain.rfind(std::string("PK\x05\x06", 4));
    plain.resize(end + 22);
    plain[end + 20] = plain[end + 21] = 0;
    put(out / "checkpoint_fuzz/unsealed", byte(4) + plain);
    const std::string meta = fmt::format(
        R"({{"format":"facenet-cpp checkpoint v1","epoch":1,"step":10,"best_accuracy":0.5,"last_accuracy":0.4,)"
        R"("threshold_at_far":1.1,"sampler":"","num_classes":5,"world_size":1}})");
    put(out / "checkpoint_fuzz/parts_sealed", byte(3) + meta + std::string(1, '\0') + facenet::to_yaml(config));
    put(out / "checkpoint_fuzz/parts", byte(1) + meta + std::string(1, '\0') + "model:\n  embedding_size: 64\n");
  }

  // network_fuzz: export metadata, a TorchScript file with extra/meta.json, a tiny ONNX model
  // with facenet.meta and its digest, and the sealed checkpoint.
  {
    facenet::infer::ExportMeta meta;
    meta.input_size = 8;
    meta.preprocess.image_size = 8;
    meta.embedding_size = 4;
    meta.threshold = 1.2;
    meta.source = "seed.pt";
    const auto meta_json = facenet::infer::meta_to_json(meta);
    put(out / "network_fuzz/meta", byte(1) + meta_json);

    torch::jit::Module m("Seed");
    m.define("def forward(self, x):\n    return x.mean([2, 3]) + 1.0\n");
    const auto ts = (tmp / "seed.ts.pt").string();
    m.save(ts, {{"meta.json", meta_json}});
    facenet::seal_zip(ts);
    put(out / "network_fuzz/torchscript", byte(0) + read_all(ts));

    onnx::ModelProto proto;
    proto.set_ir_version(7);
    auto* opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(11);
    auto* prop = proto.add_metadata_props();
    prop->set_key("facenet.meta");
    prop->set_value(meta_json);
    auto* g = proto.mutable_graph();
    g->set_name("seed");
    auto shape = [](onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
      v->set_name(name);
      auto* t = v->mutable_type()->mutable_tensor_type();
      t->set_elem_type(onnx::TensorProto::FLOAT);
      auto* s = t->mutable_shape();
      s->add_dim()->set_dim_param("N");
      for (auto d : dims) s->add_dim()->set_dim_value(d);
    };
    shape(g->add_input(), "input", {3, 8, 8});
    shape(g->add_output(), "embeddings", {3});
    auto* node = g->add_node();
    node->set_op_type("GlobalAveragePool");
    node->add_input("input");
    node->add_output("pooled");
    auto* flat = g->add_node();
    flat->set_op_type("Flatten");
    flat->add_input("pooled");
    flat->add_output("embeddings");
    std::string bytes;
    proto.SerializeToString(&bytes);
    put(out / "network_fuzz/onnx_nodigest", byte(0) + bytes);
    auto* digest = proto.add_metadata_props();
    digest->set_key(facenet::infer::kOnnxDigestKey);
    digest->set_value(fmt::format("crc32c:{:08x}", facenet::crc32c::value(bytes)));
    proto.SerializeToString(&bytes);
    put(out / "network_fuzz/onnx", byte(0) + bytes);
    put(out / "network_fuzz/checkpoint", byte(0) + read_all((tmp / "seed.pt").string()));
  }

  // state_dict_fuzz: torch.save's zip (Python-made fixture), its data.pkl, a plain dict written by
  // torch::pickle_save, and a legacy (pre-zip) torch.save file.
  {
    const auto python_zip = read_all(FACENET_SOURCE_DIR "/tests/export/data/tiny_state_dict.pt");
    put(out / "state_dict_fuzz/python_zip", byte(0) + python_zip);
    caffe2::serialize::PyTorchStreamReader reader(FACENET_SOURCE_DIR "/tests/export/data/tiny_state_dict.pt");
    const auto [data, size] = reader.getRecord("data.pkl");
    put(out / "state_dict_fuzz/python_pickle", byte(1) + std::string(static_cast<const char*>(data.get()), size));
    c10::Dict<std::string, at::Tensor> dict;
    dict.insert("w", torch::ones({2}));
    const auto saved = torch::pickle_save(c10::IValue(dict));
    put(out / "state_dict_fuzz/pickle_save", byte(0) + std::string(saved.begin(), saved.end()));
    // A legacy torch.save file (five pickles, then the raw storages): MTCNN's P-Net as shipped.
    put(out / "state_dict_fuzz/legacy_pnet", byte(0) + read_all(FACENET_SOURCE_DIR "/models/mtcnn/pnet.pt"));
  }
  fs::remove_all(tmp);
  fmt::print("seeds written under {}\n", out.string());
  return 0;
}
