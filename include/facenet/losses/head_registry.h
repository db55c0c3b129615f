#pragma once
// Heads by name: what loss.head may say. The built-in heads (softmax, arcface, cosface) are in
// the table from the start; a program or a test adds its own with one call:
//
//   facenet::losses::register_head("my_head", [](const facenet::losses::HeadOptions& o) {
//     return std::make_shared<MyHead>(o);
//   });
//   // then loss.head: my_head in a config
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/losses/head.h"

namespace facenet::losses {

/// Builds a head; throws ConfigError naming loss.margin or loss.scale when it cannot use them.
using HeadFactory = std::function<std::shared_ptr<ClassifierHead>(const HeadOptions&)>;

/// Makes `name` a valid loss.head. Throws facenet::Error when the name is empty, "none" or taken.
void register_head(const std::string& name, HeadFactory factory);

/// The head registered as `name`, built from `options`. Throws ConfigError listing the
/// registered heads when there is none of that name.
std::shared_ptr<ClassifierHead> make_head(const std::string& name, const HeadOptions& options);

/// The registered names, sorted.
std::vector<std::string> head_names();

/// The options LossConfig gives a head of `num_classes` classes on `in_features`-d prelogits.
HeadOptions head_options(const LossConfig& loss, int64_t num_classes, int64_t in_features);

/// Checks before a run starts that loss.head is none or registered and that the head takes
/// loss.scale and loss.margin (it builds a 1 x 1 head; the random streams are left as they were).
void check_head(const LossConfig& loss);

}  // namespace facenet::losses
