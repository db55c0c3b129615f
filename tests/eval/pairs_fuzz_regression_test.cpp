// Inputs the pairs_fuzz harness found (tests/fuzz/crashes/pairs_fuzz): each must end in a
// clean facenet::Error. The harness's first byte picks the format (% 3: Auto, LFW, List).
#include <gtest/gtest.h>

#include "facenet/core/error.h"
#include "facenet/eval/pairs.h"
#include "support/fuzz_input.h"

using namespace facenet;

namespace {
PairsFormat format_of(char c) {
  const PairsFormat formats[] = {PairsFormat::Auto, PairsFormat::LFW, PairsFormat::List};
  return formats[static_cast<unsigned char>(c) % 3];
}
}  // namespace

TEST(PairsFuzzRegression, HeaderCountsWhoseProductOverflows) {
  const auto input = test::fuzz_input("pairs_fuzz", "header-count-overflow");
  EXPECT_THROW(eval::parse_pairs_text(input.substr(1), "crash.txt", format_of(input[0])), Error);
  try {
    eval::parse_pairs_text("9223372036854775807 2\nA 1 2\n", "big.txt", PairsFormat::LFW);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("big.txt:1:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("LFW header"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval::parse_pairs_text("4611686018427387904\nA 1 2\n", "n.txt", PairsFormat::LFW), Error);
}
