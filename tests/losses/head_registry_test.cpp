// The head registry: loss.head names, their errors, the preflight check.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "facenet/core/error.h"
#include "facenet/losses/head_registry.h"
#include "support/error_of.h"

using namespace facenet::losses;
using facenet::LossConfig;
using facenet::test::error_of;

TEST(HeadRegistry, BuiltInHeadsAreRegistered) {
  const auto names = head_names();
  for (const char* name : {"arcface", "cosface", "softmax"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(HeadRegistry, UnknownHeadListsTheRegisteredOnes) {
  const auto msg = error_of([] { make_head("arcfase", HeadOptions{}); });
  EXPECT_NE(msg.find("loss.head (arcfase) is not a registered head"), std::string::npos) << msg;
  EXPECT_NE(msg.find("arcface, cosface"), std::string::npos) << msg;
  EXPECT_NE(msg.find("softmax"), std::string::npos) << msg;
  EXPECT_NE(msg.find("or none"), std::string::npos) << msg;
  LossConfig c;
  c.head = "arcfase";
  EXPECT_THROW(check_head(c), facenet::ConfigError);
}

TEST(HeadRegistry, NamesAreUniqueAndNoneIsReserved) {
  const HeadFactory factory = [](const HeadOptions& o) { return make_head("softmax", o); };
  EXPECT_THROW(register_head("softmax", factory), facenet::Error);
  EXPECT_THROW(register_head("none", factory), facenet::Error);
  EXPECT_THROW(register_head("", factory), facenet::Error);
  EXPECT_THROW(register_head("no_factory", nullptr), facenet::Error);
}

TEST(HeadRegistry, SizesAreChecked) {
  HeadOptions o;
  o.num_classes = 0;
  const auto msg = error_of([&] { make_head("softmax", o); });
  EXPECT_NE(msg.find("num_classes must be > 0"), std::string::npos) << msg;
}

TEST(HeadRegistry, CheckHeadRunsTheHeadsOwnChecksWithoutMovingTheRandomStream) {
  LossConfig c;
  c.head = "arcface";
  c.margin = 3.5;
  const auto msg = error_of([&] { check_head(c); });
  EXPECT_NE(msg.find("loss.margin (3.5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[0, pi)"), std::string::npos) << msg;
  c.margin = 3.5;
  c.head = "cosface";  // any margin >= 0
  torch::manual_seed(3);
  const auto expected = torch::rand({4});
  torch::manual_seed(3);
  EXPECT_NO_THROW(check_head(c));
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected));
  c.head = "none";
  EXPECT_NO_THROW(check_head(c));
}
