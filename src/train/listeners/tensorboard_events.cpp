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
  const auto& m = e.report.metrics;
  if (!e.sets.empty()) {
    // eval/accuracy = the score best.pt follows; eval/<set>/... per set.
    std::vector<std::pair<std::string, double>> scalars{{"eval/accuracy", e.score}};
    for (const auto& s : e.sets) {
      const auto& sm = s.report.metrics;
      const auto tag = "eval/" + s.name + "/";
      scalars.insert(scalars.end(), {{tag + "accuracy", sm.accuracy_mean},
                                     {tag + "accuracy_std", sm.accuracy_std},
                                     {tag + "val_at_far", sm.val_mean},
                                     {tag + "auc", sm.auc},
                                     {tag + "eer", sm.eer},
                                     {tag + "threshold_at_far", sm.threshold_at_far}});
    }
    writer_->add_scalars(scalars, e.step);
    for (const auto& s : e.sets) add_roc_image(*writer_, s.out_dir, "eval/" + s.name + "/roc", e.step);
    return;
  }
  writer_->add_scalars({{"eval/accuracy", m.accuracy_mean},
                        {"eval/accuracy_std", m.accuracy_std},
                        {"eval/val_at_far", m.val_mean},
                        {"eval/far", m.far_mean},
                        {"eval/auc", m.auc},
                        {"eval/eer", m.eer},
                        {"eval/threshold_at_far", m.threshold_at_far}},
                       e.step);
  // The ROC curve the evaluation drew, as TensorBoard's image summary.
  add_roc_image(*writer_, e.out_dir, "eval/roc", e.step);
}

}  // namespace facenet::train
