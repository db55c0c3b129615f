#pragma once
// The typed configuration: one plain struct per area, combined in Config.
// YAML <-> struct conversion lives only in config_yaml.{h,cpp}; nothing else
// looks options up by string. Defaults here are the built-in defaults.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace facenet {

enum class Backbone {
  MobileNet,
  InceptionResNetV1,
  // insightface's arcface_torch trunks (112 px input, their own embedding head)
  IResNet18,
  IResNet34,
  IResNet50,
  IResNet100,
  IResNet200,
  MobileFaceNet,
};
/// True for insightface's trunks (IResNet-*, MobileFaceNet): 112x112 input, and the embedding head
/// is theirs (fc/features, GDC) rather than FaceNet's avgpool -> last_linear -> last_bn.
bool is_insightface(Backbone backbone);
enum class TripletDistance { Euclidean, SquaredEuclidean };
/// `none`: the original recipe's anchor|positive|negative batch thirds.
enum class Mining { None, BatchAll, BatchHard, SemiHard };
enum class SamplerKind { Triplet, PK };
enum class ResizeMode { Resize, Letterbox };
enum class Normalization { Fixed, Unit, Symmetric };
enum class ChannelOrder { RGB, BGR };
enum class SplitBy { Image, Identity };
enum class OptimizerKind { Adam, AdamW, SGD };
/// Poly: linear warm-up, then lr * (1 - progress) to 0, as arcface_torch's PolynomialLRWarmup (power 1).
enum class ScheduleKind { Cosine, Step, MultiStep, Constant, Poly };
enum class Distance { L2, L2Squared, Cosine };
enum class FlipMode { None, Concat, Sum };
enum class PairsFormat { Auto, LFW, List };
enum class DistBackend { Auto, Gloo, NCCL };
/// How a face is cut out of a photo: `none` = the image is already a face crop.
enum class CropRule { None, Margin, FacenetPytorch, FivePoint };
enum class FaceDetector { None, Haar, YuNet, Mtcnn };
/// train.amp: mixed-precision training. `auto` = bf16 where the device has it natively, else none.
enum class Amp { None, BF16, FP16, Auto };
/// runtime.inference_dtype: the precision of embedding networks at inference.
enum class InferenceDtype { FP32, BF16, Auto };

struct ModelConfig {
  Backbone backbone = Backbone::MobileNet;
  int64_t embedding_size = 128;
  double dropout_keep = 0.4;  ///< keep probability (the seed's default)
  double bn_momentum = 0.1;   ///< PyTorch convention (fraction of the new batch)
};

/// total = ce_weight * CE(head) + triplet_weight * triplet. The head is named, not enumerated:
/// losses::register_head adds names (built in: softmax, arcface, cosface), so the names are
/// checked where heads are built (losses::check_head), not here.
struct LossConfig {
  std::string head = "softmax";  ///< classification head on the prelogits; "none" = no head
  double ce_weight = 1.0;
  double triplet_weight = 1.0;   ///< 0 = no triplet term
  double alpha = 0.2;  ///< triplet margin
  TripletDistance distance = TripletDistance::Euclidean;
  Mining mining = Mining::None;
  double label_smoothing = 0.0;
  double scale = 64.0;           ///< s of the cosine heads (ArcFace, CosFace)
  std::optional<double> margin;  ///< m of a margin head; unset = the head's own (ArcFace 0.5, CosFace 0.35)

  bool has_head() const { return head != "none"; }
  bool has_triplet_term() const { return triplet_weight > 0; }
};

/// How an image becomes a network input; copied into every checkpoint and export.
struct PreprocessConfig {
  int64_t image_size = 160;
  int64_t center_crop = 0;  ///< source pixels cropped from the centre before resizing; 0 = none
  ResizeMode resize = ResizeMode::Resize;
  Normalization normalization = Normalization::Fixed;
  ChannelOrder channel_order = ChannelOrder::RGB;
  /// A general (x - mean[c]) / std[c] (pixel values 0..255, c in channel_order) replacing
  /// `normalization`'s preset when set: one value for every channel or three. Both empty or both set.
  std::vector<double> mean;
  std::vector<double> std_dev;
};

/// How the training images were cropped from photos; copied into every checkpoint and export so
/// that `--detect` at inference crops the same way. Default: pre-cropped images (rule none).
struct CropConfig {
  /// margin: box + margin in input pixels (davidsandberg's align_dataset_mtcnn); facenet_pytorch:
  /// margin in output pixels (facenet-pytorch's extract_face); 5point: insightface's template.
  CropRule rule = CropRule::None;
  int64_t margin = 32;  ///< total margin: input pixels (rule margin) or output pixels (facenet_pytorch)
  FaceDetector detector = FaceDetector::None;  ///< the detector that found the faces
};

struct AugmentConfig {
  bool flip = true;
  double crop_scale = 0.0;  ///< random crop/scale jitter (fraction of the side); 0 = off
  double rotation = 0.0;    ///< max degrees
  double color_jitter = 0.0;
};

struct DataConfig {
  std::string root;                ///< root/<identity>/<image>
  std::string annotation;          ///< `<label>;<path>` lines
  std::string rec;                 ///< insightface/MXNet pack: train.rec (train.idx, property beside it)
  std::string include_identities;  ///< file of identity names to keep (one per line)
  SamplerKind sampler = SamplerKind::Triplet;
  int64_t identities_per_batch = 24;  ///< P of P x K
  int64_t images_per_identity = 4;    ///< K of P x K
  double val_split = 0.0;
  SplitBy val_split_by = SplitBy::Image;
  int64_t workers = 0;   ///< decode threads; 0 = all cores
  int64_t prefetch = 4;  ///< batches queued ahead
  bool cache_index = true;
  PreprocessConfig preprocess;
  CropConfig crop;
  AugmentConfig augment;
};

struct TrainConfig {
  std::string name = "run";
  std::string output_dir;  ///< default runs/<name>-<timestamp>
  int64_t batch_size = 96;
  int64_t epochs = 100;
  int64_t max_steps = 0;       ///< 0 = no limit
  double max_minutes = 0.0;    ///< wall-clock budget; 0 = none
  /// With max_minutes: the LR schedule follows elapsed time (fraction of max_minutes) when that
  /// is further along than the step count, so a time-boxed run still finishes its decay.
  bool schedule_by_time = false;
  int64_t steps_per_epoch = 0; ///< 0 = images / batch
  OptimizerKind optimizer = OptimizerKind::Adam;
  double lr = 1e-3;
  double min_lr = 1e-5;
  double weight_decay = 0.0;
  double momentum = 0.9;
  bool nesterov = true;
  ScheduleKind schedule = ScheduleKind::Cosine;
  double warmup_epochs = 3.0;
  double warmup_start = 0.1;   ///< warm-up starts at this fraction of lr
  double flat_epochs = 15.0;   ///< flat tail at min_lr
  std::vector<int64_t> milestones;  ///< multi-step epochs
  int64_t step_size = 10;           ///< step schedule period (epochs)
  double gamma = 0.1;
  double grad_clip = 0.0;  ///< max global norm; 0 = off
  int64_t save_every_epochs = 1;
  int64_t keep_last = 3;
  int64_t eval_every_epochs = 1;
  double eval_every_minutes = 0.0;  ///< also evaluate after this many training minutes; 0 = off
  int64_t log_every_steps = 20;
  /// Mixed precision (core/precision.h): bf16 autocast on CPUs with AVX512-BF16/AMX and on
  /// CUDA; fp16 with dynamic loss scaling on CUDA. Losses, normalisation, BatchNorm statistics
  /// and the optimiser's weights stay fp32.
  Amp amp = Amp::None;
  /// BatchNorm layers normalise with their running statistics and never update them
  /// (fine-tuning; makes data-parallel training equal single-process training exactly).
  bool freeze_bn = false;
  /// Fine-tuning (README "Fine-tune on your own people"). A checkpoint of any run, a
  /// TorchScript or state-dict export, or a `facenet import` file: its backbone and embedding
  /// head start this run; the classification head, optimiser and schedule start fresh.
  std::string init_from;
  /// The CRC-32C of the init_from file ("crc32c:xxxxxxxx"). Filled in by the run (its
  /// config.yaml and checkpoints record where the weights came from); when set, the file must match.
  std::string init_digest;
  /// Keep init_from's classification head too: only for a checkpoint whose identities are
  /// this dataset's (same names, same order); otherwise an error.
  bool init_head = false;
  /// Module-name prefixes (as `facenet summary` prints them, e.g. backbone.stage1) whose
  /// parameters and BatchNorm statistics stay as they are.
  std::vector<std::string> freeze;
  /// One block name of `facenet summary`: every block before it is frozen.
  std::string trainable_from;
  /// Learning-rate multiplier per module-name prefix (the longest matching prefix wins;
  /// `head` is the classification head); one optimiser group each, the rest at 1.
  std::vector<std::pair<std::string, double>> lr_mult;
  /// The two-stage transfer recipe: for this many epochs (or steps) only the classification
  /// head trains (the whole network frozen), then freezing follows train.freeze/trainable_from.
  double head_only_epochs = 0.0;
  int64_t head_only_steps = 0;
  /// Distributed runs: compute the triplet term (mining, and the original recipe's "kept
  /// triplets" average) on the batch gathered from every process instead of per process.
  bool gather_embeddings = false;
};

struct EvalConfig {
  std::string data_dir;
  std::string pairs;
  PairsFormat pairs_format = PairsFormat::Auto;
  std::string ext = "jpg";
  Distance distance = Distance::L2;
  FlipMode flip = FlipMode::None;
  bool subtract_mean = false;
  bool interleave_folds = false;
  int64_t folds = 10;
  double threshold_step = 0.01;
  double threshold_max = 4.0;
  double far_target = 1e-3;
  int64_t batch_size = 64;
  bool skip_missing = false;
  bool roc_log_fpr = false;  ///< roc.png: log-scale FPR axis
  /// insightface .bin verification sets evaluated during training (files, or folders of .bin
  /// files); relative entries resolve against the dataset folder (data.root, else data.rec's folder).
  std::vector<std::string> sets;
  /// Distance for the .bin sets: insightface's verification.py uses l2sq (on the 0:4:0.01 grid).
  Distance sets_distance = Distance::L2Squared;
  /// What best.pt follows when eval.sets is set: "mean" (mean accuracy over the sets, and
  /// eval.pairs when set), "min" (the worst set: the checkpoint that balances fine-tuned
  /// people against unseen ones) or one set's name (its file name without .bin, or "pairs").
  std::string best_by = "mean";
};

struct ExportConfig {
  /// A format of the network-format table (infer/network_format.h) that can be written:
  /// onnx, torchscript, state-dict, or one registered by a program. Checked against the table
  /// by the export itself (core does not know the table).
  std::string format = "onnx";
  bool fold_bn = true;
  int64_t opset = 13;
  std::string layout = "facenet-pytorch";
};

struct RuntimeConfig {
  int64_t threads = 0;  ///< 0 = all cores
  std::string device = "auto";
  int64_t seed = 42;
  bool channels_last = true;  ///< train the trunk in NHWC memory order (faster on CPU oneDNN)
  DistBackend dist_backend = DistBackend::Auto;
  double dist_timeout_s = 300.0;
  std::string log_level = "info";
  /// Embedding networks at inference (eval, embed, verify, identify, cluster, Embedder).
  InferenceDtype inference_dtype = InferenceDtype::FP32;
};

struct Config {
  ModelConfig model;
  LossConfig loss;
  DataConfig data;
  TrainConfig train;
  EvalConfig eval;
  ExportConfig export_;  ///< YAML section `export`
  RuntimeConfig runtime;
};

// Enum <-> config spelling, used by YAML, logs and reports alike.
std::string to_string(Backbone v);
std::string to_string(TripletDistance v);
std::string to_string(Mining v);
std::string to_string(SamplerKind v);
std::string to_string(ResizeMode v);
std::string to_string(Normalization v);
std::string to_string(ChannelOrder v);
std::string to_string(SplitBy v);
std::string to_string(OptimizerKind v);
std::string to_string(ScheduleKind v);
std::string to_string(Distance v);
std::string to_string(FlipMode v);
std::string to_string(PairsFormat v);
std::string to_string(DistBackend v);
std::string to_string(CropRule v);
std::string to_string(FaceDetector v);
std::string to_string(Amp v);
std::string to_string(InferenceDtype v);

/// "" when `p`'s mean and std_dev are well formed (both empty, or 1 or 3 finite values each,
/// every std > 0), else what is wrong, naming `mean` or `std`.
std::string mean_std_problem(const PreprocessConfig& p);

}  // namespace facenet
