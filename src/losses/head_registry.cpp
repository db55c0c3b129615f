#include "facenet/losses/head_registry.h"

#include <ATen/CPUGeneratorImpl.h>

#include <map>
#include <mutex>

#include "facenet/core/error.h"

namespace facenet::losses {

// The heads built into the library, one line each: <name>_head.cpp in this folder defines
// make_<name>_head. They are listed here rather than registering themselves from their own
// files because a static library drops object files nothing refers to.
#define FACENET_BUILTIN_HEADS(X) \
  X(softmax)                     \
  X(arcface)                     \
  X(cosface)

#define FACENET_DECLARE_HEAD(name) std::shared_ptr<ClassifierHead> make_##name##_head(const HeadOptions&);
FACENET_BUILTIN_HEADS(FACENET_DECLARE_HEAD)
#undef FACENET_DECLARE_HEAD

namespace {

struct Registry {
  Registry() {
#define FACENET_ADD_HEAD(name) heads.emplace(#name, make_##name##_head);
    FACENET_BUILTIN_HEADS(FACENET_ADD_HEAD)
#undef FACENET_ADD_HEAD
  }
  std::mutex mutex;
  std::map<std::string, HeadFactory> heads;
};

/// The one registry, made with the built-in heads on first use (a function-local static, so
/// nothing depends on the order of static initialisation).
Registry& registry() {
  static Registry r;
  return r;
}

std::string names_text(const std::map<std::string, HeadFactory>& heads) {
  std::string s;
  for (const auto& [name, factory] : heads) s += name + ", ";
  return s + "or none";
}

}  // namespace

void register_head(const std::string& name, HeadFactory factory) {
  if (name.empty() || name == "none" || !factory)
    throw Error("register_head: a head needs a name other than '" + name + "' and a factory");
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!r.heads.emplace(name, std::move(factory)).second)
    throw Error("register_head: a head named '" + name + "' is registered already");
}

std::shared_ptr<ClassifierHead> make_head(const std::string& name, const HeadOptions& options) {
  HeadFactory factory;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.heads.find(name);
    if (it == r.heads.end())
      throw ConfigError("loss.head (" + name + ") is not a registered head: use " + names_text(r.heads));
    factory = it->second;
  }
  if (options.in_features <= 0 || options.num_classes <= 0)
    throw ConfigError("loss.head " + name + ": in_features and num_classes must be > 0 (got " +
                      std::to_string(options.in_features) + ", " + std::to_string(options.num_classes) + ")");
  return factory(options);
}

std::vector<std::string> head_names() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.heads) names.push_back(name);
  return names;
}

HeadOptions head_options(const LossConfig& loss, int64_t num_classes, int64_t in_features) {
  HeadOptions o;
  o.in_features = in_features;
  o.num_classes = num_classes;
  o.scale = loss.scale;
  o.margin = loss.margin;
  return o;
}

void check_head(const LossConfig& loss) {
  if (!loss.has_head()) return;
  // Building the head runs its own checks of its options; its initial draws must not move the
  // seeded stream of whoever calls this.
  auto generator = at::detail::getDefaultCPUGenerator();
  torch::Tensor state;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    state = generator.get_state();
  }
  auto restore = [&] {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  };
  try {
    make_head(loss.head, head_options(loss, 1, 1));
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

}  // namespace facenet::losses
