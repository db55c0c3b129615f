#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"

using namespace facenet;

namespace {
std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    load_config_text(yaml, "test.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

/// What `fn` logged at warn level or above.
template <class F>
std::string warnings_of(F&& fn) {
  std::ostringstream os;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(os);
  sink->set_level(spdlog::level::warn);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.push_back(sink);
  try {
    fn();
  } catch (...) {
    sinks.pop_back();
    throw;
  }
  sinks.pop_back();
  return os.str();
}
}  // namespace

TEST(Config, DefaultsAreValidAndMatchTheSeed) {
  const Config c = load_config_text("", "empty.yaml");
  EXPECT_EQ(c.model.backbone, Backbone::MobileNet);
  EXPECT_EQ(c.model.embedding_size, 128);
  EXPECT_DOUBLE_EQ(c.loss.alpha, 0.2);
  EXPECT_EQ(c.loss.head, "softmax");  // softmax + triplet
  EXPECT_DOUBLE_EQ(c.loss.triplet_weight, 1.0);
  EXPECT_FALSE(c.loss.margin.has_value());
  EXPECT_EQ(c.train.batch_size, 96);
  EXPECT_EQ(c.data.preprocess.normalization, Normalization::Fixed);
}

TEST(Config, ParsesNestedSectionsAndEnums) {
  const Config c = load_config_text(R"(
model:
  backbone: inception_resnet_v1
  embedding_size: 512
data:
  preprocess:
    image_size: 112
    resize: letterbox
train:
  milestones: [30, 60]
  schedule: multistep
  optimizer: sgd
eval:
  distance: cosine
  flip: concat
)", "t.yaml");
  EXPECT_EQ(c.model.backbone, Backbone::InceptionResNetV1);
  EXPECT_EQ(c.model.embedding_size, 512);
  EXPECT_EQ(c.data.preprocess.image_size, 112);
  EXPECT_EQ(c.data.preprocess.resize, ResizeMode::Letterbox);
  EXPECT_EQ(c.train.milestones, (std::vector<int64_t>{30, 60}));
  EXPECT_EQ(c.train.optimizer, OptimizerKind::SGD);
  EXPECT_EQ(c.eval.distance, Distance::Cosine);
  EXPECT_EQ(c.eval.flip, FlipMode::Concat);
}

TEST(Config, OverridesWinOverTheFile) {
  const Config c = load_config_text("train:\n  batch_size: 30\n", "t.yaml",
                                    {"train.batch_size=48", "train.milestones=[5,9]", "data.root=/x/y"});
  EXPECT_EQ(c.train.batch_size, 48);
  EXPECT_EQ(c.train.milestones, (std::vector<int64_t>{5, 9}));
  EXPECT_EQ(c.data.root, "/x/y");
}

TEST(Config, UnknownKeyNamesFileLineAndSuggestion) {
  const auto msg = error_of("model:\n  backbone: mobilenet\ntrain:\n  epochs: 3\n  batchsize: 12\n");
  EXPECT_NE(msg.find("test.yaml:5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'train.batchsize'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train.batch_size'"), std::string::npos) << msg;
}

TEST(Config, UnknownSectionIsReported) {
  const auto msg = error_of("trian:\n  epochs: 3\n");
  EXPECT_NE(msg.find("test.yaml:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train'"), std::string::npos) << msg;
}

TEST(Config, UnknownOverrideKeyIsReported) {
  const auto msg = error_of("", {"train.lr_min=0.1"});
  EXPECT_NE(msg.find("--set train.lr_min=0.1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train.min_lr'"), std::string::npos) << msg;
}

TEST(Config, TypeErrorNamesKeyTypeAndLine) {
  const auto msg = error_of("train:\n  batch_size: lots\n");
  EXPECT_NE(msg.find("test.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.batch_size must be an integer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'lots'"), std::string::npos) << msg;
}

TEST(Config, EnumErrorListsChoices) {
  const auto msg = error_of("model:\n  backbone: resnet50\n");
  EXPECT_NE(msg.find("model.backbone must be one of mobilenet | inception_resnet_v1"), std::string::npos)
      << msg;
}

TEST(Config, RangeErrorNamesKeyValueAndOrigin) {
  const auto msg = error_of("train:\n  lr: -1\n");
  EXPECT_NE(msg.find("train.lr (-1) must be > 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test.yaml:2"), std::string::npos) << msg;
}

TEST(Config, CollectsEveryError) {
  const auto msg = error_of("train:\n  epochs: 0\neval:\n  folds: 1\n");
  EXPECT_NE(msg.find("train.epochs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("eval.folds"), std::string::npos) << msg;
}

TEST(Config, CrossFieldRules) {
  EXPECT_NE(error_of("train:\n  batch_size: 32\n").find("multiple of 3"), std::string::npos);
  EXPECT_NE(error_of("data:\n  sampler: pk\nloss:\n  mining: batch_hard\ntrain:\n  batch_size: 90\n")
                .find("must equal data.identities_per_batch"),
            std::string::npos);
  EXPECT_EQ(error_of("data:\n  sampler: pk\nloss:\n  mining: batch_hard\ntrain:\n  batch_size: 96\n"), "");
}

TEST(Config, YamlSyntaxErrorHasLine) {
  const auto msg = error_of("train:\n  batch_size: [1, 2\n");
  EXPECT_NE(msg.find("test.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

TEST(Config, YamlRoundTripIsStable) {
  const Config c = load_config_text("", "t.yaml", {"model.embedding_size=512", "train.lr=0.05", "eval.flip=sum"});
  const auto text = to_yaml(c);
  const Config back = load_config_text(text, "round.yaml");
  EXPECT_EQ(to_yaml(back), text);
  EXPECT_EQ(back.model.embedding_size, 512);
  EXPECT_DOUBLE_EQ(back.train.lr, 0.05);
  EXPECT_EQ(back.eval.flip, FlipMode::Sum);
}

TEST(Config, EveryKeyAppearsInTheResolvedYaml) {
  const auto text = to_yaml(Config{});
  for (const auto& key : config_keys()) {
    const auto leaf = key.substr(key.rfind('.') + 1);
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << key;
  }
}

TEST(Config, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(Config, DataRecKey) {
  const Config c = load_config_text("data:\n  rec: /data/faces_webface_112x112/train.rec\n", "rec.yaml");
  EXPECT_EQ(c.data.rec, "/data/faces_webface_112x112/train.rec");
  EXPECT_NE(to_yaml(c).find("rec: /data/faces_webface_112x112/train.rec"), std::string::npos);
  const auto msg = error_of("data:\n  rec: a/train.rec\n  annotation: cls_train.txt\n");
  EXPECT_NE(msg.find("data.rec"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.annotation"), std::string::npos) << msg;
}

TEST(Config, EvalSetsKeys) {
  const Config c = load_config_text("eval:\n  sets: [lfw.bin, cfp_fp.bin, agedb_30.bin]\n  best_by: lfw\n", "sets.yaml");
  EXPECT_EQ(c.eval.sets, (std::vector<std::string>{"lfw.bin", "cfp_fp.bin", "agedb_30.bin"}));
  EXPECT_EQ(c.eval.best_by, "lfw");
  EXPECT_EQ(c.eval.sets_distance, Distance::L2Squared);
  EXPECT_NE(to_yaml(c).find("sets: [lfw.bin, cfp_fp.bin, agedb_30.bin]"), std::string::npos) << to_yaml(c);
  // A single entry, and an override.
  EXPECT_EQ(load_config_text("eval:\n  sets: bins/\n", "one.yaml").eval.sets, (std::vector<std::string>{"bins/"}));
  EXPECT_EQ(load_config_text("", "o.yaml", {"eval.sets=[a.bin, b]"}).eval.sets, (std::vector<std::string>{"a.bin", "b"}));
  EXPECT_NE(error_of("eval:\n  best_by: lfw\n").find("eval.best_by"), std::string::npos);
  EXPECT_NE(error_of("eval:\n  sets: {a: 1}\n").find("eval.sets"), std::string::npos);
  EXPECT_NE(error_of("eval:\n  sets_distance: manhattan\n").find("eval.sets_distance"), std::string::npos);
}

TEST(Config, CropSectionParsesAndValidates) {
  const Config c = load_config_text("data:\n  crop:\n    rule: 5point\n    margin: 20\n    detector: yunet\n", "t.yaml");
  EXPECT_EQ(c.data.crop.rule, CropRule::FivePoint);
  EXPECT_EQ(c.data.crop.margin, 20);
  EXPECT_EQ(c.data.crop.detector, FaceDetector::YuNet);
  const Config d = load_config_text("", "t.yaml");
  EXPECT_EQ(d.data.crop.rule, CropRule::None);
  EXPECT_EQ(d.data.crop.detector, FaceDetector::None);
  EXPECT_NE(error_of("data:\n  crop:\n    rule: margin\n").find("data.crop.detector"), std::string::npos);
  EXPECT_NE(error_of("data:\n  crop:\n    rule: 5point\n    detector: haar\n").find("5point needs landmarks"),
            std::string::npos);
  EXPECT_NE(error_of("data:\n  crop:\n    rule: margin\n    detector: haar\n    margin: -2\n").find("data.crop.margin"),
            std::string::npos);
  EXPECT_EQ(error_of("data:\n  crop:\n    rule: margin\n    detector: haar\n"), "");
}

TEST(Config, LossHeadMarginAndTripletWeight) {
  const Config c = load_config_text("loss:\n  head: cosface\n  margin: 0.3\n  triplet_weight: 0\n", "t.yaml");
  EXPECT_EQ(c.loss.head, "cosface");
  EXPECT_DOUBLE_EQ(c.loss.margin.value_or(-1), 0.3);
  EXPECT_FALSE(c.loss.has_triplet_term());
  EXPECT_NE(to_yaml(c).find("head: cosface"), std::string::npos) << to_yaml(c);
  EXPECT_NE(to_yaml(c).find("margin: 0.3"), std::string::npos) << to_yaml(c);
  // Unset, the margin is the head's own; it prints empty and reads back unset, in a file or --set.
  const auto unset = to_yaml(load_config_text("", "t.yaml"));
  EXPECT_NE(unset.find("  margin: ~\n"), std::string::npos) << unset;
  EXPECT_FALSE(load_config_text(unset, "round.yaml").loss.margin.has_value());
  EXPECT_FALSE(load_config_text("loss:\n  margin: 0.3\n", "t.yaml", {"loss.margin="}).loss.margin.has_value());
  // The head's name is checked where heads are registered (losses::check_head); here only the rules.
  EXPECT_NE(error_of("loss:\n  head: none\n  triplet_weight: 0\n").find("nothing to train"), std::string::npos);
  EXPECT_NE(error_of("loss:\n  margin: -0.1\n").find("loss.margin (-0.1) must be >= 0"), std::string::npos);
  EXPECT_NE(error_of("loss:\n  triplet_weight: 0\ntrain:\n  gather_embeddings: true\n").find("loss.triplet_weight is 0"),
            std::string::npos);
  // Without the triplet term the batch need not hold thirds.
  EXPECT_EQ(error_of("loss:\n  triplet_weight: 0\ntrain:\n  batch_size: 32\n"), "");
}

// Configs and checkpoints from before loss.head: every old loss.type maps onto the head and
// the triplet term it meant, with a warning that names the replacement.
TEST(Config, OldLossTypeMapsOntoHeadAndTripletWeight) {
  const std::vector<std::tuple<std::string, std::string, double>> cases{
      {"softmax", "softmax", 0.0},  // the old single-term types ignored the default weight 1
      {"triplet", "none", 1.0},     {"softmax_triplet", "softmax", 1.0}, {"arcface", "arcface", 0.0},
      {"cosface", "cosface", 0.0},  {"arcface_triplet", "arcface", 1.0}, {"cosface_triplet", "cosface", 1.0}};
  for (const auto& [type, head, weight] : cases) {
    Config c;
    const auto warned = warnings_of([&, type = type] { c = load_config_text("loss:\n  type: " + type + "\n", "old.yaml"); });
    EXPECT_EQ(c.loss.head, head) << type;
    EXPECT_EQ(c.loss.triplet_weight, weight) << type;
    EXPECT_NE(warned.find("loss.type: " + type + " (old.yaml:2) is deprecated; use loss.head: " + head +
                          (weight > 0 ? " with loss.triplet_weight > 0" : " with loss.triplet_weight: 0")),
              std::string::npos)
        << warned;
  }
  const auto msg = error_of("loss:\n  type: arcface_softmax\n");
  EXPECT_NE(msg.find("test.yaml:2: loss.type (deprecated; use loss.head) must be one of softmax | triplet"),
            std::string::npos)
      << msg;
}

TEST(Config, OldCheckpointsEmbeddedLossSectionLoads) {
  // The loss section as checkpoints wrote it before loss.head: every key, old ones included.
  const std::string old = "loss:\n  type: arcface_triplet\n  ce_weight: 1\n  triplet_weight: 0.5\n  alpha: 0.2\n"
                          "  distance: euclidean\n  mining: none\n  label_smoothing: 0\n  scale: 64\n"
                          "  arcface_m: 0.4\n  cosface_m: 0.35\n";
  Config c;
  const auto warned = warnings_of([&] { c = load_config_text(old, "last.pt (embedded config)"); });
  EXPECT_EQ(c.loss.head, "arcface");
  EXPECT_DOUBLE_EQ(c.loss.triplet_weight, 0.5);
  EXPECT_DOUBLE_EQ(c.loss.margin.value_or(-1), 0.4);  // arcface_m; cosface_m belonged to another head
  EXPECT_NE(warned.find("loss.arcface_m (last.pt (embedded config):10) is deprecated; use loss.margin with "
                        "loss.head: arcface"),
            std::string::npos)
      << warned;
  EXPECT_NE(warned.find("loss.cosface_m (last.pt (embedded config):11) is deprecated; use loss.margin with "
                        "loss.head: cosface (no effect here: loss.head is arcface)"),
            std::string::npos)
      << warned;
  EXPECT_EQ(std::count(warned.begin(), warned.end(), '\n'), 1) << warned;  // one line per source
  // It is written back with the new keys only.
  const auto text = to_yaml(c);
  EXPECT_NE(text.find("head: arcface"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n  type:"), std::string::npos) << text;
  EXPECT_EQ(text.find("arcface_m"), std::string::npos) << text;
  EXPECT_EQ(to_yaml(load_config_text(text, "new.yaml")), text);
}

TEST(Config, OldAndNewLossKeysTogether) {
  // In one source, an old key beside its replacement is ambiguous: an error naming both lines.
  auto msg = error_of("loss:\n  type: arcface\n  head: cosface\n");
  EXPECT_NE(msg.find("test.yaml:2: loss.type is replaced by loss.head, which test.yaml:3 sets too"), std::string::npos)
      << msg;
  msg = error_of("loss:\n  head: arcface\n  margin: 0.3\n  arcface_m: 0.4\n");
  EXPECT_NE(msg.find("test.yaml:4: loss.arcface_m is replaced by loss.margin, which test.yaml:3 sets too"),
            std::string::npos)
      << msg;
  msg = error_of("", {"loss.head=softmax", "loss.type=triplet"});
  EXPECT_NE(msg.find("--set loss.type=triplet: loss.type is replaced by loss.head"), std::string::npos) << msg;
  // A later source wins as always: an old --set on a new file (as README commands still do).
  const auto file = "loss:\n  head: softmax\n  triplet_weight: 0.5\n";
  Config c = load_config_text(file, "new.yaml", {"loss.type=cosface_triplet"});
  EXPECT_EQ(c.loss.head, "cosface");
  EXPECT_DOUBLE_EQ(c.loss.triplet_weight, 0.5);
  EXPECT_FALSE(c.loss.margin.has_value());  // CosFace's own 0.35, as loss.cosface_m's default was
  c = load_config_text(file, "new.yaml", {"loss.type=softmax"});
  EXPECT_EQ(c.loss.triplet_weight, 0.0);
  c = load_config_text("loss:\n  head: softmax\n  triplet_weight: 0\n", "new.yaml", {"loss.type=softmax_triplet"});
  EXPECT_DOUBLE_EQ(c.loss.triplet_weight, 1.0);  // the old type's weight unless given
  c = load_config_text("loss:\n  head: cosface\n  margin: 0.2\n", "new.yaml", {"loss.arcface_m=0.3", "loss.type=arcface"});
  EXPECT_EQ(c.loss.head, "arcface");
  EXPECT_DOUBLE_EQ(c.loss.margin.value_or(-1), 0.3);
  // A new --set on an old file: also fine, the later value wins.
  c = load_config_text("loss:\n  type: arcface\n  arcface_m: 0.4\n", "old.yaml", {"loss.margin=0.1", "loss.head=cosface"});
  EXPECT_EQ(c.loss.head, "cosface");
  EXPECT_DOUBLE_EQ(c.loss.margin.value_or(-1), 0.1);
  EXPECT_EQ(c.loss.triplet_weight, 0.0);  // arcface had no triplet term
}

TEST(Config, FineTuningKeysReadWriteAndValidate) {
  const auto c = load_config_text(
      "train:\n  init_from: base.pt\n  freeze: [backbone.stage1]\n  lr_mult:\n    backbone: 0.1\n    head: 2\n"
      "  head_only_epochs: 1.5\n",
      "t.yaml");
  EXPECT_EQ(c.train.init_from, "base.pt");
  ASSERT_EQ(c.train.lr_mult.size(), 2u);
  EXPECT_EQ(c.train.lr_mult[0], (std::pair<std::string, double>{"backbone", 0.1}));
  EXPECT_EQ(c.train.lr_mult[1], (std::pair<std::string, double>{"head", 2.0}));
  // Written and read back unchanged (config.yaml and every checkpoint carry them).
  const auto again = load_config_text(to_yaml(c), "again");
  EXPECT_EQ(again.train.lr_mult, c.train.lr_mult);
  EXPECT_EQ(again.train.freeze, c.train.freeze);
  EXPECT_EQ(again.train.head_only_epochs, 1.5);
  // --set takes a map too.
  EXPECT_EQ(load_config_text("", "t", {"train.lr_mult={last_bn: 3}"}).train.lr_mult.front().second, 3.0);

  EXPECT_NE(error_of("train:\n  lr_mult: {backbone: 0}\n").find("train.lr_mult.backbone (0) must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of("train:\n  lr_mult: 0.1\n").find("train.lr_mult must be a map of names to numbers"),
            std::string::npos);
  EXPECT_NE(error_of("train:\n  init_head: true\n").find("train.init_head (true) needs train.init_from"),
            std::string::npos);
  EXPECT_NE(error_of("train:\n  head_only_steps: 5\n  head_only_epochs: 1\n").find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(error_of("loss:\n  head: none\ntrain:\n  head_only_steps: 5\n").find("needs a classification head"),
            std::string::npos);
  EXPECT_EQ(error_of("eval:\n  best_by: min\n"), "");
}
