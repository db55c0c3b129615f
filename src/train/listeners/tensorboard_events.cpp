#include <opencv2/imgcodecs.hpp>

#include <filesystem>

#include "facenet/core/fs.h"
#include "facenet/core/tensorboard.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

TensorBoardEvents::TensorBoardEvents() = default;
TensorBoardEvents::~TensorBoardEvents() = default;

void TensorBoardEvents::on_train_begin(Trainer& t) {
  writer_ = std::make_unique<TensorBoardWriter>((t.run_dir() / "tb").string());
}

void TensorBoardEvents::on_log(Trainer&, const LogWindow& w) {
  const auto& s = w.last;
  writer_->add_scalars({{"train/loss", s.loss},
                        {"train/ce", s.ce},
                        {"train/triplet", s.triplet},
                        {"train/accuracy", s.accuracy},
                        {"train/active_triplets", s.active_triplets},
                        {"train/lr", s.lr},
                        {"train/images_per_s", w.images_per_s},
                        {"train/data_wait_fraction", w.data_wait_fraction}},
                       s.step);
  for (const auto& [group, lr] : s.group_lrs) writer_->add_scalar("train/lr/" + group, s.step, lr);
}

void TensorBoardEvents::on_validation(Trainer& t, int64_t, double accuracy) {
  writer_->add_scalar("val/accuracy", t.state().step, accuracy);
}

namespace {

void add_roc_image(TensorBoardWriter& writer, const std::string& out_dir, const std::string& tag, int64_t step) {
  const auto roc = std::filesystem::path(out_dir) / "roc.png";
  if (!std::filesystem::exists(roc)) return;
  const auto png = read_file(roc.string());
  const auto image = cv::imdecode(cv::Mat(1, int(png.size()), CV_8UC1, const_cast<char*>(png.data())),
                                  cv::IMREAD_UNCHANGED);
  if (!image.empty()) writer.add_image(tag, step, png, image.rows, image.cols, image.channels());
}

}  // namespace

void TensorBoardEvents::on_evaluation(Trainer&, const Evaluation& e) {
  std::vector<std::pair<std::string, double>> scalars;
  for (const auto& m : e.result.metric_rows()) scalars.emplace_back(m.tag, m.value);
  writer_->add_scalars(scalars, e.step);
  // The ROC curve each set drew, as TensorBoard's image summary.
  for (const auto& s : e.result.sets) add_roc_image(*writer_, s.out_dir, eval::metric_tag(s.key, "roc"), e.step);
}

}  // namespace facenet::train
