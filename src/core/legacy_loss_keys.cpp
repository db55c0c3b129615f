#include "legacy_loss_keys.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace facenet {
namespace {

struct OldType {
  const char* name;
  const char* head;
  bool triplet;
};

// Every value loss.type had: the head it used and whether it added the triplet term.
constexpr OldType kOldTypes[] = {
    {"softmax", "softmax", false},         {"triplet", "none", true},
    {"softmax_triplet", "softmax", true},  {"arcface", "arcface", false},
    {"cosface", "cosface", false},         {"arcface_triplet", "arcface", true},
    {"cosface_triplet", "cosface", true},
};

// The old per-head margin keys and the head each belonged to.
constexpr std::pair<const char*, const char*> kOldMargins[] = {{"loss.arcface_m", "arcface"},
                                                               {"loss.cosface_m", "cosface"}};

std::string old_type_names() {
  std::string names;
  for (const auto& t : kOldTypes) names += (names.empty() ? "" : " | ") + std::string(t.name);
  return names;
}

}  // namespace

bool LegacyLossKeys::read(const std::string& key, const YAML::Node& value, const std::string& where,
                          std::vector<std::string>& errors) {
  if (key == "loss.type") {
    const std::string text = value.IsScalar() ? value.Scalar() : "";
    for (const auto& t : kOldTypes)
      if (text == t.name) {
        type_ = Type{t.name, where, t.head, t.triplet};
        return true;
      }
    errors.push_back(where + ": loss.type (deprecated; use loss.head) must be one of " + old_type_names() + ", got " +
                     (value.IsScalar() ? "'" + text + "'" : "a non-scalar value"));
    return true;
  }
  for (const auto& [old_key, head] : kOldMargins) {
    if (key != old_key) continue;
    try {
      margins_[head] = Margin{key, where, value.as<double>()};
    } catch (const YAML::Exception&) {
      errors.push_back(where + ": " + key + " (deprecated; use loss.margin) must be a number");
    }
    return true;
  }
  return false;
}

void LegacyLossKeys::apply(Config& config, KeyOrigins& origins, const KeyOrigins& set_here,
                           std::vector<std::string>& errors) {
  auto& loss = config.loss;
  std::vector<std::string> notes;
  const auto margin_here = set_here.find("loss.margin");
  for (const auto& [head, m] : margins_) {
    if (margin_here != set_here.end()) {
      errors.push_back(m.where + ": " + m.key + " is replaced by loss.margin, which " + margin_here->second +
                       " sets too; remove " + m.key);
      continue;
    }
    remembered_[head] = m.value;
  }
  if (type_) {
    const auto& t = *type_;
    if (const auto head_here = set_here.find("loss.head"); head_here != set_here.end()) {
      errors.push_back(t.where + ": loss.type is replaced by loss.head, which " + head_here->second +
                       " sets too; remove loss.type (loss.triplet_weight: 0 turns the triplet term off)");
    } else {
      const bool head_changed = loss.head != t.head;
      loss.head = t.head;
      origins["loss.head"] = t.where;
      if (!t.triplet) {
        // The old single-term types ignored loss.triplet_weight (default 1).
        loss.triplet_weight = 0;
        origins["loss.triplet_weight"] = t.where;
      } else if (loss.triplet_weight == 0 && !set_here.count("loss.triplet_weight")) {
        loss.triplet_weight = 1;  // the weight the old type had unless given
      }
      // An old type used its own head's margin key: a margin meant for another head does not carry over.
      if (margin_here == set_here.end()) {
        if (const auto it = remembered_.find(t.head); it != remembered_.end())
          loss.margin = it->second, origins["loss.margin"] = t.where;
        else if (head_changed)
          loss.margin.reset();
      }
      std::string note = fmt::format("loss.type: {} ({}) is deprecated; use loss.head: {} with loss.triplet_weight{}",
                                     t.name, t.where, t.head, t.triplet ? " > 0" : ": 0");
      if (t.triplet && loss.triplet_weight == 0) note += " (it is 0 here: no triplet term)";
      notes.push_back(note);
    }
  }
  for (const auto& [head, m] : margins_) {
    if (margin_here != set_here.end()) continue;
    const bool applies = loss.head == head;
    if (applies && !type_) loss.margin = m.value, origins["loss.margin"] = m.where;
    notes.push_back(fmt::format("{} ({}) is deprecated; use loss.margin with loss.head: {}{}", m.key, m.where, head,
                                applies ? "" : " (no effect here: loss.head is " + loss.head + ")"));
  }
  // One line per source: an old checkpoint's embedded config holds all three keys.
  if (!notes.empty()) {
    std::string line;
    for (const auto& n : notes) line += (line.empty() ? "" : ". ") + n;
    spdlog::warn("[config] {}", line);
  }
  type_.reset();
  margins_.clear();
}

}  // namespace facenet
