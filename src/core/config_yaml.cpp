// YAML <-> Config. The field table below is the single list of config keys:
// reading, overriding, printing and key suggestions all come from it.
#include "facenet/core/config_yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <type_traits>

#include "enum_names.h"
#include "facenet/core/error.h"
#include "legacy_loss_keys.h"

namespace facenet {
namespace {

// ---- scalar codecs --------------------------------------------------------

template <class T, class = void>
struct Codec;

template <>
struct Codec<int64_t> {
  static std::string type() { return "an integer"; }
  static int64_t read(const YAML::Node& n) { return n.as<int64_t>(); }
  static YAML::Node write(int64_t v) { return YAML::Node(v); }
};
template <>
struct Codec<double> {
  static std::string type() { return "a number"; }
  static double read(const YAML::Node& n) { return n.as<double>(); }
  // Shortest text that reads back to the same double (0.4, not 0.40000000000000002).
  static YAML::Node write(double v) { return YAML::Node(fmt::format("{}", v)); }
};
template <>
struct Codec<bool> {
  static std::string type() { return "true or false"; }
  static bool read(const YAML::Node& n) { return n.as<bool>(); }
  static YAML::Node write(bool v) { return YAML::Node(v); }
};
template <>
struct Codec<std::string> {
  static std::string type() { return "a string"; }
  static std::string read(const YAML::Node& n) {
    if (n.IsNull()) return "";
    if (!n.IsScalar()) throw YAML::BadConversion(n.Mark());
    return n.as<std::string>();
  }
  static YAML::Node write(const std::string& v) { return YAML::Node(v); }
};
template <>
struct Codec<std::optional<double>> {
  static std::string type() { return "a number or empty"; }
  static std::optional<double> read(const YAML::Node& n) {
    if (n.IsNull()) return std::nullopt;
    return Codec<double>::read(n);
  }
  static YAML::Node write(const std::optional<double>& v) {
    return v ? Codec<double>::write(*v) : YAML::Node(YAML::NodeType::Null);
  }
};
template <>
struct Codec<std::vector<int64_t>> {
  static std::string type() { return "a list of integers"; }
  static std::vector<int64_t> read(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (!n.IsSequence()) throw YAML::BadConversion(n.Mark());
    return n.as<std::vector<int64_t>>();
  }
  static YAML::Node write(const std::vector<int64_t>& v) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (auto x : v) node.push_back(x);
    node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  }
};
template <>
struct Codec<std::vector<double>> {
  static std::string type() { return "a number or a list of numbers"; }
  static std::vector<double> read(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (n.IsScalar()) return {n.as<double>()};  // one value for every channel
    if (!n.IsSequence()) throw YAML::BadConversion(n.Mark());
    std::vector<double> out;
    for (const auto& item : n) {
      if (!item.IsScalar()) throw YAML::BadConversion(item.Mark());
      out.push_back(item.as<double>());
    }
    return out;
  }
  static YAML::Node write(const std::vector<double>& v) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (auto x : v) node.push_back(Codec<double>::write(x));
    node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  }
};
template <>
struct Codec<std::vector<std::string>> {
  static std::string type() { return "a list of strings"; }
  static std::vector<std::string> read(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (n.IsScalar()) return {n.as<std::string>()};  // a single entry
    if (!n.IsSequence()) throw YAML::BadConversion(n.Mark());
    std::vector<std::string> out;
    for (const auto& item : n) {
      if (!item.IsScalar()) throw YAML::BadConversion(item.Mark());
      out.push_back(item.as<std::string>());
    }
    return out;
  }
  static YAML::Node write(const std::vector<std::string>& v) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (const auto& x : v) node.push_back(x);
    node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  }
};
/// A map of name -> number in file order (train.lr_mult: prefix -> multiplier).
template <>
struct Codec<std::vector<std::pair<std::string, double>>> {
  static std::string type() { return "a map of names to numbers"; }
  static std::vector<std::pair<std::string, double>> read(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (!n.IsMap()) throw YAML::BadConversion(n.Mark());
    std::vector<std::pair<std::string, double>> out;
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) throw YAML::BadConversion(kv.second.Mark());
      out.emplace_back(kv.first.as<std::string>(), kv.second.as<double>());
    }
    return out;
  }
  static YAML::Node write(const std::vector<std::pair<std::string, double>>& v) {
    YAML::Node node(YAML::NodeType::Map);
    for (const auto& [k, x] : v) node[k] = Codec<double>::write(x);
    node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  }
};
template <class E>
struct Codec<E, std::enable_if_t<std::is_enum_v<E>>> {
  static std::string type() {
    std::string s = "one of ";
    std::vector<E> listed;  // a later entry for a listed value is an alias, read but not shown
    for (const auto& [value, name] : enum_names<E>()) {
      if (std::find(listed.begin(), listed.end(), value) != listed.end()) continue;
      listed.push_back(value);
      s += std::string(name) + " | ";
    }
    return s.substr(0, s.size() - 3);
  }
  static E read(const YAML::Node& n) {
    if (!n.IsScalar()) throw YAML::BadConversion(n.Mark());
    const auto text = n.as<std::string>();
    for (const auto& [value, name] : enum_names<E>())
      if (text == name) return value;
    throw YAML::BadConversion(n.Mark());
  }
  static YAML::Node write(E v) { return YAML::Node(to_string(v)); }
};

// ---- the field table -----------------------------------------------------

struct Field {
  std::string key;
  std::string type;
  std::function<void(Config&, const YAML::Node&)> read;
  std::function<YAML::Node(const Config&)> write;
};

template <class Access>
Field make_field(std::string key, Access access) {
  using T = std::decay_t<decltype(access(std::declval<Config&>()))>;
  return Field{std::move(key), Codec<T>::type(),
               [access](Config& c, const YAML::Node& n) { access(c) = Codec<T>::read(n); },
               [access](const Config& c) { return Codec<T>::write(access(const_cast<Config&>(c))); }};
}

#define F(key, member) make_field(key, [](Config& c) -> auto& { return c.member; })

const std::vector<Field>& fields() {
  static const std::vector<Field> table{
      F("model.backbone", model.backbone),
      F("model.embedding_size", model.embedding_size),
      F("model.dropout_keep", model.dropout_keep),
      F("model.bn_momentum", model.bn_momentum),
      F("loss.head", loss.head),
      F("loss.ce_weight", loss.ce_weight),
      F("loss.triplet_weight", loss.triplet_weight),
      F("loss.alpha", loss.alpha),
      F("loss.distance", loss.distance),
      F("loss.mining", loss.mining),
      F("loss.label_smoothing", loss.label_smoothing),
      F("loss.scale", loss.scale),
      F("loss.margin", loss.margin),
      F("data.root", data.root),
      F("data.annotation", data.annotation),
      F("data.rec", data.rec),
      F("data.include_identities", data.include_identities),
      F("data.sampler", data.sampler),
      F("data.identities_per_batch", data.identities_per_batch),
      F("data.images_per_identity", data.images_per_identity),
      F("data.val_split", data.val_split),
      F("data.val_split_by", data.val_split_by),
      F("data.workers", data.workers),
      F("data.prefetch", data.prefetch),
      F("data.cache_index", data.cache_index),
      F("data.preprocess.image_size", data.preprocess.image_size),
      F("data.preprocess.center_crop", data.preprocess.center_crop),
      F("data.preprocess.resize", data.preprocess.resize),
      F("data.preprocess.normalization", data.preprocess.normalization),
      F("data.preprocess.channel_order", data.preprocess.channel_order),
      F("data.preprocess.mean", data.preprocess.mean),
      F("data.preprocess.std", data.preprocess.std_dev),
      F("data.crop.rule", data.crop.rule),
      F("data.crop.margin", data.crop.margin),
      F("data.crop.detector", data.crop.detector),
      F("data.augment.flip", data.augment.flip),
      F("data.augment.crop_scale", data.augment.crop_scale),
      F("data.augment.rotation", data.augment.rotation),
      F("data.augment.color_jitter", data.augment.color_jitter),
      F("train.name", train.name),
      F("train.output_dir", train.output_dir),
      F("train.batch_size", train.batch_size),
      F("train.epochs", train.epochs),
      F("train.max_steps", train.max_steps),
      F("train.max_minutes", train.max_minutes),
      F("train.schedule_by_time", train.schedule_by_time),
      F("train.steps_per_epoch", train.steps_per_epoch),
      F("train.optimizer", train.optimizer),
      F("train.lr", train.lr),
      F("train.min_lr", train.min_lr),
      F("train.weight_decay", train.weight_decay),
      F("train.momentum", train.momentum),
      F("train.nesterov", train.nesterov),
      F("train.schedule", train.schedule),
      F("train.warmup_epochs", train.warmup_epochs),
      F("train.warmup_start", train.warmup_start),
      F("train.flat_epochs", train.flat_epochs),
      F("train.milestones", train.milestones),
      F("train.step_size", train.step_size),
      F("train.gamma", train.gamma),
      F("train.grad_clip", train.grad_clip),
      F("train.save_every_epochs", train.save_every_epochs),
      F("train.keep_last", train.keep_last),
      F("train.eval_every_epochs", train.eval_every_epochs),
      F("train.eval_every_minutes", train.eval_every_minutes),
      F("train.log_every_steps", train.log_every_steps),
      F("train.amp", train.amp),
      F("train.freeze_bn", train.freeze_bn),
      F("train.init_from", train.init_from),
      F("train.init_digest", train.init_digest),
      F("train.init_head", train.init_head),
      F("train.freeze", train.freeze),
      F("train.trainable_from", train.trainable_from),
      F("train.lr_mult", train.lr_mult),
      F("train.head_only_epochs", train.head_only_epochs),
      F("train.head_only_steps", train.head_only_steps),
      F("train.gather_embeddings", train.gather_embeddings),
      F("eval.data_dir", eval.data_dir),
      F("eval.pairs", eval.pairs),
      F("eval.pairs_format", eval.pairs_format),
      F("eval.ext", eval.ext),
      F("eval.distance", eval.distance),
      F("eval.flip", eval.flip),
      F("eval.subtract_mean", eval.subtract_mean),
      F("eval.interleave_folds", eval.interleave_folds),
      F("eval.folds", eval.folds),
      F("eval.threshold_step", eval.threshold_step),
      F("eval.threshold_max", eval.threshold_max),
      F("eval.far_target", eval.far_target),
      F("eval.batch_size", eval.batch_size),
      F("eval.skip_missing", eval.skip_missing),
      F("eval.roc_log_fpr", eval.roc_log_fpr),
      F("eval.sets", eval.sets),
      F("eval.sets_distance", eval.sets_distance),
      F("eval.best_by", eval.best_by),
      F("export.format", export_.format),
      F("export.fold_bn", export_.fold_bn),
      F("export.opset", export_.opset),
      F("export.layout", export_.layout),
      F("runtime.threads", runtime.threads),
      F("runtime.device", runtime.device),
      F("runtime.seed", runtime.seed),
      F("runtime.channels_last", runtime.channels_last),
      F("runtime.dist_backend", runtime.dist_backend),
      F("runtime.dist_timeout_s", runtime.dist_timeout_s),
      F("runtime.log_level", runtime.log_level),
      F("runtime.inference_dtype", runtime.inference_dtype),
  };
  return table;
}
#undef F

const Field* find_field(const std::string& key) {
  for (const auto& f : fields())
    if (f.key == key) return &f;
  return nullptr;
}

bool is_section(const std::string& prefix) {
  for (const auto& f : fields())
    if (f.key.rfind(prefix + ".", 0) == 0) return true;
  return false;
}

// `lr_min` should find `min_lr`: compare leaves with their _-separated words sorted too.
std::string sorted_words(const std::string& key) {
  const auto dot = key.rfind('.');
  const std::string head = dot == std::string::npos ? "" : key.substr(0, dot + 1);
  std::vector<std::string> words;
  std::stringstream ss(key.substr(head.size()));
  for (std::string w; std::getline(ss, w, '_');) words.push_back(w);
  std::sort(words.begin(), words.end());
  std::string out = head;
  for (const auto& w : words) out += w + "_";
  return out;
}

/// The valid key or section name closest to `key`.
std::string nearest_key(const std::string& key) {
  std::vector<std::string> candidates;
  for (const auto& f : fields()) {
    candidates.push_back(f.key);
    for (auto dot = f.key.find('.'); dot != std::string::npos; dot = f.key.find('.', dot + 1))
      candidates.push_back(f.key.substr(0, dot));
  }
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const auto d = std::min(edit_distance(key, c), edit_distance(sorted_words(key), sorted_words(c)));
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

/// Where each key was last set, for messages: "file:line" or "--set key=value".
using Origins = KeyOrigins;

struct Loader {
  Config& config;
  Origins& origins;
  std::vector<std::string> errors;
  Origins set_here;  ///< the keys the source being read (a file, or the --set list) set
  LegacyLossKeys legacy;

  void unknown(const std::string& key, const std::string& where) {
    errors.push_back(where + ": unknown key '" + key + "' (did you mean '" + nearest_key(key) + "'?)");
  }

  void set(const std::string& key, const YAML::Node& value, const std::string& where) {
    const Field* f = find_field(key);
    if (!f) {
      if (legacy.read(key, value, where, errors)) return;
      if (is_section(key))
        errors.push_back(where + ": '" + key + "' is a section; give it keys, not a value");
      else
        unknown(key, where);
      return;
    }
    try {
      f->read(config, value);
      origins[key] = where;
      set_here[key] = where;
    } catch (const YAML::Exception&) {
      std::string shown = value.IsScalar() ? "'" + value.Scalar() + "'" : "a non-scalar value";
      errors.push_back(where + ": " + key + " must be " + f->type + ", got " + shown);
    }
  }

  void walk(const YAML::Node& node, const std::string& prefix, const std::string& file) {
    for (const auto& kv : node) {
      const auto name = kv.first.as<std::string>();
      const auto key = prefix.empty() ? name : prefix + "." + name;
      const auto where = file + ":" + std::to_string(kv.first.Mark().line + 1);
      const Field* field = find_field(key);
      if (kv.second.IsMap() && field && field->type.rfind("a map", 0) == 0) {
        set(key, kv.second, where);  // a key whose value is a map (train.lr_mult)
      } else if (kv.second.IsMap()) {
        if (!is_section(key)) {
          if (find_field(key))
            errors.push_back(where + ": " + key + " must be " + find_field(key)->type + ", got a map");
          else
            unknown(key, where);
          continue;
        }
        walk(kv.second, key, file);
      } else {
        set(key, kv.second, where);
      }
    }
  }

  void override_(const std::string& assignment) {
    const auto where = "--set " + assignment;
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.push_back(where + ": expected key=value");
      return;
    }
    const auto key = assignment.substr(0, eq);
    const auto text = assignment.substr(eq + 1);
    YAML::Node value;
    try {
      value = text.empty() ? YAML::Node(YAML::NodeType::Null) : YAML::Load(text);
    } catch (const YAML::Exception& e) {
      errors.push_back(where + ": cannot parse value: " + e.msg);
      return;
    }
    set(key, value, where);
  }

  /// The source is read whole: map its old keys onto their replacements.
  void end_source() {
    legacy.apply(config, origins, set_here, errors);
    set_here.clear();
  }

  void throw_if_errors() const {
    if (errors.empty()) return;
    std::string msg = errors.size() == 1 ? "invalid configuration: " : "invalid configuration:\n  ";
    for (std::size_t i = 0; i < errors.size(); ++i) msg += (i ? "\n  " : "") + errors[i];
    throw ConfigError(msg);
  }
};

// ---- validation ----------------------------------------------------------

struct Validator {
  const Origins& origins;
  std::vector<std::string> errors;

  std::string at(const std::string& key) const {
    auto it = origins.find(key);
    return it == origins.end() ? "" : " (" + it->second + ")";
  }
  template <class T>
  void require(bool ok, const std::string& key, T value, const std::string& rule) {
    if (!ok) errors.push_back(fmt_value(key, value) + " " + rule + at(key));
  }
  template <class T>
  static std::string fmt_value(const std::string& key, T value) {
    std::ostringstream os;
    os << key << " (" << value << ")";
    return os.str();
  }
};

void validate_with(const Config& c, const Origins& origins) {
  Validator v{origins, {}};
  v.require(c.model.embedding_size > 0, "model.embedding_size", c.model.embedding_size, "must be > 0");
  v.require(c.model.dropout_keep > 0 && c.model.dropout_keep <= 1, "model.dropout_keep",
            c.model.dropout_keep, "must be in (0, 1]");
  v.require(c.model.bn_momentum > 0 && c.model.bn_momentum <= 1, "model.bn_momentum",
            c.model.bn_momentum, "must be in (0, 1]");

  v.require(c.loss.ce_weight >= 0, "loss.ce_weight", c.loss.ce_weight, "must be >= 0");
  v.require(c.loss.triplet_weight >= 0, "loss.triplet_weight", c.loss.triplet_weight, "must be >= 0");
  v.require(c.loss.alpha >= 0, "loss.alpha", c.loss.alpha, "must be >= 0");
  v.require(c.loss.label_smoothing >= 0 && c.loss.label_smoothing < 1, "loss.label_smoothing",
            c.loss.label_smoothing, "must be in [0, 1)");
  v.require(c.loss.scale > 0, "loss.scale", c.loss.scale, "must be > 0");
  v.require(!c.loss.head.empty(), "loss.head", "''", "must name a head (softmax, arcface, cosface, ...) or none");
  v.require(c.loss.has_head() || c.loss.has_triplet_term(), "loss.head", c.loss.head,
            "needs loss.triplet_weight > 0: without a head or the triplet term there is nothing to train");
  if (c.loss.margin) v.require(*c.loss.margin >= 0, "loss.margin", *c.loss.margin, "must be >= 0");

  const auto& p = c.data.preprocess;
  const int64_t min_size = c.model.backbone == Backbone::InceptionResNetV1 ? 80 : 32;
  v.require(p.image_size >= min_size, "data.preprocess.image_size", p.image_size,
            "must be >= " + std::to_string(min_size) + " for " + to_string(c.model.backbone));
  v.require(!is_insightface(c.model.backbone) || p.image_size == 112, "data.preprocess.image_size", p.image_size,
            "must be 112 for " + to_string(c.model.backbone) +
                " (insightface's head takes the 7x7 map of a 112 px face: IResNet's fc is 512*7*7 wide, "
                "MobileFaceNet's GDC a 7x7 kernel)");
  v.require(p.center_crop >= 0, "data.preprocess.center_crop", p.center_crop, "must be >= 0");
  if (const auto problem = mean_std_problem(p); !problem.empty())
    v.errors.push_back("data.preprocess." + problem + v.at("data.preprocess." + problem.substr(0, problem.find(' '))));
  const auto& crop = c.data.crop;
  v.require(crop.margin >= 0, "data.crop.margin", crop.margin, "must be >= 0");
  v.require((crop.rule == CropRule::None) == (crop.detector == FaceDetector::None), "data.crop.detector",
            to_string(crop.detector), "must be none exactly when data.crop.rule is none (got rule " + to_string(crop.rule) + ")");
  v.require(crop.rule != CropRule::FivePoint || crop.detector == FaceDetector::YuNet ||
                crop.detector == FaceDetector::Mtcnn,
            "data.crop.rule", to_string(crop.rule), "5point needs landmarks: data.crop.detector must be mtcnn or yunet");
  v.require(c.data.rec.empty() || c.data.annotation.empty(), "data.rec", c.data.rec,
            "cannot be combined with data.annotation (set one dataset source)");
  v.require(c.data.identities_per_batch >= 2, "data.identities_per_batch", c.data.identities_per_batch,
            "must be >= 2");
  v.require(c.data.images_per_identity >= 2, "data.images_per_identity", c.data.images_per_identity,
            "must be >= 2");
  v.require(c.data.val_split >= 0 && c.data.val_split < 1, "data.val_split", c.data.val_split,
            "must be in [0, 1)");
  v.require(c.data.workers >= 0, "data.workers", c.data.workers, "must be >= 0 (0 = all cores)");
  v.require(c.data.prefetch >= 1, "data.prefetch", c.data.prefetch, "must be >= 1");
  v.require(c.data.augment.crop_scale >= 0 && c.data.augment.crop_scale < 0.5, "data.augment.crop_scale",
            c.data.augment.crop_scale, "must be in [0, 0.5)");
  v.require(c.data.augment.rotation >= 0 && c.data.augment.rotation <= 45, "data.augment.rotation",
            c.data.augment.rotation, "must be in [0, 45] degrees");
  v.require(c.data.augment.color_jitter >= 0 && c.data.augment.color_jitter < 1,
            "data.augment.color_jitter", c.data.augment.color_jitter, "must be in [0, 1)");

  const auto& t = c.train;
  v.require(t.batch_size >= 2, "train.batch_size", t.batch_size, "must be >= 2");
  if (c.loss.has_triplet_term()) {
    if (c.data.sampler == SamplerKind::Triplet) {
      v.require(t.batch_size % 3 == 0, "train.batch_size", t.batch_size,
                "must be a multiple of 3 for anchor|positive|negative triplet batches");
      v.require(c.loss.mining == Mining::None, "loss.mining", to_string(c.loss.mining),
                "needs data.sampler: pk (online mining works on P x K batches)");
    } else {
      v.require(c.loss.mining != Mining::None, "loss.mining", to_string(c.loss.mining),
                "must be batch_all, batch_hard or semi_hard with data.sampler: pk");
    }
  }
  if (c.data.sampler == SamplerKind::PK)
    v.require(t.batch_size == c.data.identities_per_batch * c.data.images_per_identity, "train.batch_size",
              t.batch_size,
              "must equal data.identities_per_batch x data.images_per_identity (" +
                  std::to_string(c.data.identities_per_batch * c.data.images_per_identity) + ")");
  v.require(t.epochs >= 1, "train.epochs", t.epochs, "must be >= 1");
  v.require(t.max_steps >= 0, "train.max_steps", t.max_steps, "must be >= 0 (0 = no limit)");
  v.require(t.max_minutes >= 0, "train.max_minutes", t.max_minutes, "must be >= 0 (0 = no limit)");
  v.require(t.steps_per_epoch >= 0, "train.steps_per_epoch", t.steps_per_epoch, "must be >= 0");
  v.require(t.lr > 0, "train.lr", t.lr, "must be > 0");
  v.require(t.min_lr >= 0 && t.min_lr <= t.lr, "train.min_lr", t.min_lr, "must be in [0, train.lr]");
  v.require(t.weight_decay >= 0, "train.weight_decay", t.weight_decay, "must be >= 0");
  v.require(t.momentum >= 0 && t.momentum < 1, "train.momentum", t.momentum, "must be in [0, 1)");
  v.require(t.warmup_epochs >= 0, "train.warmup_epochs", t.warmup_epochs, "must be >= 0");
  v.require(t.warmup_start >= 0 && t.warmup_start <= 1, "train.warmup_start", t.warmup_start,
            "must be in [0, 1] (0: warm up from 0, as arcface_torch)");
  v.require(t.flat_epochs >= 0, "train.flat_epochs", t.flat_epochs, "must be >= 0");
  v.require(t.step_size >= 1, "train.step_size", t.step_size, "must be >= 1");
  v.require(t.gamma > 0 && t.gamma <= 1, "train.gamma", t.gamma, "must be in (0, 1]");
  v.require(std::is_sorted(t.milestones.begin(), t.milestones.end()), "train.milestones",
            "[...]", "must be ascending");
  if (t.schedule == ScheduleKind::MultiStep)
    v.require(!t.milestones.empty(), "train.milestones", "[]", "must list epochs for the multistep schedule");
  v.require(t.grad_clip >= 0, "train.grad_clip", t.grad_clip, "must be >= 0 (0 = off)");
  v.require(t.save_every_epochs >= 0, "train.save_every_epochs", t.save_every_epochs, "must be >= 0");
  v.require(t.keep_last >= 1, "train.keep_last", t.keep_last, "must be >= 1");
  v.require(t.eval_every_epochs >= 0, "train.eval_every_epochs", t.eval_every_epochs, "must be >= 0");
  v.require(t.eval_every_minutes >= 0, "train.eval_every_minutes", t.eval_every_minutes, "must be >= 0 (0 = off)");
  v.require(!t.schedule_by_time || t.max_minutes > 0, "train.schedule_by_time", t.schedule_by_time,
            "needs train.max_minutes > 0 (the time budget the schedule spans)");
  v.require(!t.init_head || !t.init_from.empty(), "train.init_head", "true", "needs train.init_from");
  v.require(t.init_digest.empty() || !t.init_from.empty(), "train.init_digest", t.init_digest,
            "needs train.init_from (the file it is the digest of)");
  for (const auto& prefix : t.freeze)
    v.require(!prefix.empty(), "train.freeze", "[...]", "must not hold an empty entry");
  for (const auto& [prefix, mult] : t.lr_mult) {
    v.require(!prefix.empty(), "train.lr_mult", "{...}", "must not hold an empty prefix");
    v.require(mult > 0, "train.lr_mult." + prefix, mult, "must be > 0 (freeze a module with train.freeze)");
  }
  v.require(t.head_only_epochs >= 0, "train.head_only_epochs", t.head_only_epochs, "must be >= 0");
  v.require(t.head_only_steps >= 0, "train.head_only_steps", t.head_only_steps, "must be >= 0");
  v.require(t.head_only_epochs == 0 || t.head_only_steps == 0, "train.head_only_steps", t.head_only_steps,
            "cannot be combined with train.head_only_epochs (set one)");
  if (t.head_only_epochs > 0 || t.head_only_steps > 0)
    v.require(c.loss.has_head(), "train.head_only_epochs", t.head_only_epochs + double(t.head_only_steps),
              "needs a classification head (loss.head is none)");
  if (t.gather_embeddings)
    v.require(c.loss.has_triplet_term(), "train.gather_embeddings", "true",
              "needs the triplet term (loss.triplet_weight is 0)");
  v.require(t.log_every_steps >= 1, "train.log_every_steps", t.log_every_steps, "must be >= 1");

  const auto& e = c.eval;
  v.require(e.folds >= 2, "eval.folds", e.folds, "must be >= 2");
  v.require(e.threshold_step > 0, "eval.threshold_step", e.threshold_step, "must be > 0");
  v.require(e.threshold_max > e.threshold_step, "eval.threshold_max", e.threshold_max,
            "must exceed eval.threshold_step");
  v.require(e.far_target > 0 && e.far_target < 1, "eval.far_target", e.far_target, "must be in (0, 1)");
  v.require(e.batch_size >= 1, "eval.batch_size", e.batch_size, "must be >= 1");
  v.require(!e.ext.empty() && e.ext[0] != '.', "eval.ext", e.ext, "must be an extension without dot, e.g. jpg");
  for (const auto& set : e.sets)
    v.require(!set.empty(), "eval.sets", "[...]", "must not hold an empty entry");
  v.require(!e.best_by.empty(), "eval.best_by", e.best_by, "must be mean, min or a set's name");
  v.require(e.best_by == "mean" || e.best_by == "min" || !e.sets.empty(), "eval.best_by", e.best_by,
            "names a set but eval.sets is empty (use mean or min)");

  v.require(!c.export_.format.empty(), "export.format", "''", "must name a format (facenet export --help lists them)");
  v.require(c.export_.opset >= 13 && c.export_.opset <= 17, "export.opset", c.export_.opset,
            "must be in [13, 17]");
  v.require(c.export_.layout == "facenet-pytorch" || c.export_.layout == "seed", "export.layout",
            c.export_.layout, "must be facenet-pytorch or seed");

  const auto& r = c.runtime;
  v.require(r.threads >= 0, "runtime.threads", r.threads, "must be >= 0 (0 = all cores)");
  const bool device_ok = r.device == "auto" || r.device == "cpu" || r.device == "cuda" ||
                         (r.device.rfind("cuda:", 0) == 0 && r.device.size() > 5 &&
                          r.device.find_first_not_of("0123456789", 5) == std::string::npos);
  v.require(device_ok, "runtime.device", r.device, "must be auto, cpu, cuda or cuda:N");
  v.require(r.dist_timeout_s > 0, "runtime.dist_timeout_s", r.dist_timeout_s, "must be > 0");
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  v.require(std::find(levels.begin(), levels.end(), r.log_level) != levels.end(), "runtime.log_level",
            r.log_level, "must be trace, debug, info, warn, error, critical or off");

  if (!v.errors.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& err : v.errors) msg += "\n  " + err;
    throw ConfigError(msg);
  }
}

Config load_impl(const YAML::Node& root, const std::string& source,
                 const std::vector<std::string>& overrides) {
  Config config;
  Origins origins;
  Loader loader{config, origins, {}, {}, {}};
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap())
      throw ConfigError(source + ":" + std::to_string(root.Mark().line + 1) +
                        ": the config must be a map of sections (model, data, train, ...)");
    loader.walk(root, "", source);
    loader.end_source();
  }
  for (const auto& o : overrides) loader.override_(o);
  loader.end_source();
  loader.throw_if_errors();
  validate_with(config, origins);
  return config;
}

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Config load_config_text(const std::string& yaml, const std::string& source,
                        const std::vector<std::string>& overrides) {
  return load_impl(parse_yaml(yaml, source), source, overrides);
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return load_impl(YAML::Node(), "<defaults>", overrides);
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path, overrides);
}

void apply_overrides(Config& config, const std::vector<std::string>& overrides) {
  Origins origins;
  Loader loader{config, origins, {}, {}, {}};
  for (const auto& o : overrides) loader.override_(o);
  loader.end_source();
  loader.throw_if_errors();
  validate_with(config, origins);
}

void validate(const Config& config) { validate_with(config, {}); }

std::string to_yaml(const Config& config) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& f : fields()) {
    // Walk/create the nested maps along the dotted key.
    std::vector<std::string> parts;
    std::stringstream ss(f.key);
    for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
    YAML::Node node = root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!node[parts[i]]) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
      node.reset(node[parts[i]]);
    }
    node[parts.back()] = f.write(config);
  }
  YAML::Emitter out;
  out.SetDoublePrecision(10);
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const auto& f : fields()) keys.push_back(f.key);
  return keys;
}

}  // namespace facenet
