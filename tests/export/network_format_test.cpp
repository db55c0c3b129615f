// The network-format table: how rows from two layers combine, how files are recognised, and
// the errors for names and files it does not know.
#include <gtest/gtest.h>

#include <functional>

#include "support/export_test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/export/formats.h"
#include "facenet/infer/network_format.h"
#include "facenet/infer/network_loader.h"
#include "facenet/tasks/exporter.h"

using namespace facenet;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

infer::NetworkFormat row(const std::string& name) {
  infer::NetworkFormat f;
  f.name = name;
  return f;
}

}  // namespace

TEST(NetworkFormats, AWriterCompletesTheRowOfItsLoader) {
  infer::NetworkFormats table;
  auto loader = row("x");
  loader.kind = "x export";
  loader.sniff = [](const std::string&, const std::string& head) { return head.rfind("XX", 0) == 0; };
  loader.load = [](const std::string&, InferenceDtype) { return infer::LoadedNetwork{}; };
  table.add(loader);
  auto writer = row("x");
  writer.kind = "another kind";  // the first registration's text stays
  writer.description = "x files";
  writer.write = [](models::FaceNetImpl&, const infer::ExportMeta&, const ExportConfig&, const std::string&) {
    return std::string("detail");
  };
  table.add(writer);
  ASSERT_EQ(table.rows().size(), 1u);
  const auto& x = table.rows()[0];
  EXPECT_EQ(x.kind, "x export");
  EXPECT_EQ(x.description, "x files");
  EXPECT_TRUE(x.sniff && x.load && x.write);
  EXPECT_EQ(&table.writer("x"), &x);

  EXPECT_NE(error_of([&] { table.add(writer); }).find("network format 'x': a second writer"), std::string::npos);
  EXPECT_NE(error_of([&] { table.add(row("")); }).find("needs a name"), std::string::npos);
}

TEST(NetworkFormats, BuiltInRowsAreCompleteAndSniffedInOrder) {
  const auto& table = exporting::formats();
  std::vector<std::string> names;
  for (const auto& f : table.rows()) names.push_back(f.name);
  // The inference layer's loaders first (sniffing order), then what export alone adds.
  // int8 before torchscript: an int8 model also carries a TorchScript export's extra/meta.json.
  ASSERT_GE(names.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 4),
            (std::vector<std::string>{"onnx", "int8", "torchscript", "checkpoint"}));
  EXPECT_NE(table.find("state-dict"), nullptr);
  for (const auto* name : {"onnx", "torchscript"}) {
    const auto* f = table.find(name);
    EXPECT_TRUE(f->sniff && f->load && f->write) << name;  // one row: the loader and the writer
  }
  EXPECT_FALSE(table.find("checkpoint")->write);  // read, never exported
  EXPECT_FALSE(table.find("int8")->write);        // written by facenet quantize, not export
  EXPECT_FALSE(table.find("state-dict")->load);   // written, never loaded as a network
  for (const auto& f : tasks::list_formats()) {
    EXPECT_FALSE(f.kind.empty()) << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
  }
}

TEST(NetworkFormats, UnknownExportFormatIsAConfigErrorListingTheWritableOnes) {
  ExportConfig config;
  config.format = "onnnx";
  // Checked before the checkpoint is read: the missing checkpoint is not what fails.
  try {
    tasks::run_export("/no/such.ckpt", config, test::temp_path("x.onnx"));
    FAIL() << "an unknown format exported";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("export.format: unknown format 'onnnx' (registered: onnx, torchscript"), std::string::npos)
        << what;
    EXPECT_NE(what.find("state-dict"), std::string::npos) << what;
    EXPECT_EQ(what.find("checkpoint"), std::string::npos) << what;  // not written, so not offered
  }
  config.format = "checkpoint";
  EXPECT_NE(error_of([&] { tasks::run_export("/no/such.ckpt", config, test::temp_path("x.pt")); })
                .find("export.format: 'checkpoint' is read, not written"),
            std::string::npos);
}

TEST(NetworkFormats, FilesOfNoFormatAreRefusedNamingThem) {
  const auto text = test::temp_path("notes.txt");
  write_file_atomic(text, "person0/0.png,0.1,0.2\n");
  const auto message = error_of([&] { infer::load_network(text); });
  EXPECT_NE(message.find("notes.txt' is not a facenet model (expected one of: onnx export, int8 model, "
                         "torchscript export, checkpoint"),
            std::string::npos)
      << message;
  EXPECT_NE(error_of([] { infer::load_network("/no/such/model.onnx"); }).find("'/no/such/model.onnx' does not exist"),
            std::string::npos);
  // A state dict is a torch archive without a network: the checkpoint loader refuses it.
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  const auto sd = test::temp_path("sd.pt");
  ExportConfig config;
  config.layout = "seed";
  exporting::formats().writer("state-dict").write(*model, {}, config, sd);
  EXPECT_EQ(exporting::formats().format_of(sd).name, "checkpoint");
  const auto refused = error_of([&] { infer::load_network(sd); });
  EXPECT_NE(refused.find("sd.pt' is not a readable facenet checkpoint"), std::string::npos) << refused;
}
