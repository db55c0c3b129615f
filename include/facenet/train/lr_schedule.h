#pragma once
// Learning-rate schedules as pure functions of the (fractional) epoch position.
#include "facenet/core/config.h"

namespace facenet::train {

/// Learning rate at fractional epoch `epoch` (step / steps_per_epoch) of `total_epochs`.
/// - cosine: the seed's YOLOX-style curve: quadratic warm-up from warmup_start*lr over
///   warmup_epochs, cosine decay to min_lr, then flat at min_lr for the last flat_epochs.
///   lr(e) = (lr - s)(e/W)^2 + s                       for e <= W
///         = min_lr                                    for e >= E - F
///         = min_lr + (lr-min_lr)/2 (1 + cos(pi (e-W)/(E-W-F)))  otherwise
/// - step: lr * gamma^floor(epoch_index / step_size)   (StepLR)
/// - multistep: lr * gamma^(number of milestones <= epoch_index)   (MultiStepLR)
/// - constant: lr
double learning_rate(const TrainConfig& config, double epoch, double total_epochs);

}  // namespace facenet::train
