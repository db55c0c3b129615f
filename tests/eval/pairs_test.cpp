// The pairs parser on fixtures in the official LFW format and the plain list format.
#include "facenet/eval/pairs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::eval;

namespace {

// Two blocks of 2 matched + 2 mismatched lines; tabs and spaces mixed, a CRLF line and a trailing blank.
const char* kLfw =
    "2\t2\n"
    "Abel_Pacheco\t1\t4\n"
    "Akhmed_Zakayev 1 3\r\n"
    "Abdel_Madi_Shabneh\t1\tDean_Barker\t1\n"
    "Abdel_Madi_Shabneh 1 Giancarlo_Fisichella 1\n"
    "Bob 2 12\n"
    "Carl 1 2\n"
    "Ann 1 Bob 10\n"
    "Carl 3 Dan 100\n"
    "\n";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(LfwPath, FourDigitNumbers) {
  EXPECT_EQ(lfw_image_path("Abel_Pacheco", 1, "jpg"), "Abel_Pacheco/Abel_Pacheco_0001.jpg");
  EXPECT_EQ(lfw_image_path("X", 123, "png"), "X/X_0123.png");
  EXPECT_EQ(lfw_image_path("X", 12345, "jpg"), "X/X_12345.jpg");
}

TEST(PairsParser, OfficialFormatWithHeader) {
  const auto list = parse_pairs_text(kLfw, "pairs.txt", PairsFormat::Auto);
  EXPECT_EQ(list.format, PairsFormat::LFW);
  EXPECT_EQ(list.file_folds, 2);
  EXPECT_EQ(list.pairs_per_fold, 2);
  ASSERT_EQ(list.pairs.size(), 8u);
  EXPECT_EQ(list.pairs[0].image1, "Abel_Pacheco/Abel_Pacheco_0001.jpg");
  EXPECT_EQ(list.pairs[0].image2, "Abel_Pacheco/Abel_Pacheco_0004.jpg");
  EXPECT_TRUE(list.pairs[0].same);
  EXPECT_EQ(list.pairs[0].line, 2);
  EXPECT_EQ(list.pairs[1].image2, "Akhmed_Zakayev/Akhmed_Zakayev_0003.jpg");  // CRLF stripped
  EXPECT_EQ(list.pairs[2].image1, "Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg");
  EXPECT_EQ(list.pairs[2].image2, "Dean_Barker/Dean_Barker_0001.jpg");
  EXPECT_FALSE(list.pairs[2].same);
  // Second block: matched again, then mismatched.
  EXPECT_TRUE(list.pairs[4].same);
  EXPECT_EQ(list.pairs[4].image2, "Bob/Bob_0012.jpg");
  EXPECT_FALSE(list.pairs[7].same);
  EXPECT_EQ(list.pairs[7].image2, "Dan/Dan_0100.jpg");
  EXPECT_EQ(list.pairs[7].line, 9);
}

TEST(PairsParser, ExtensionOption) {
  const auto list = parse_pairs_text(kLfw, "pairs.txt", PairsFormat::LFW, "png");
  EXPECT_EQ(list.pairs[0].image1, "Abel_Pacheco/Abel_Pacheco_0001.png");
}

TEST(PairsParser, SingleNumberHeaderIsOneBlockOfNPlusN) {
  // pairsDevTest.txt style: "2" = 2 matched then 2 mismatched.
  const auto list = parse_pairs_text("2\nA 1 2\nB 1 3\nA 1 B 2\nC 4 D 5\n", "dev.txt", PairsFormat::Auto);
  EXPECT_EQ(list.file_folds, 1);
  ASSERT_EQ(list.pairs.size(), 4u);
  EXPECT_TRUE(list.pairs[0].same && list.pairs[1].same);
  EXPECT_FALSE(list.pairs[2].same || list.pairs[3].same);
  EXPECT_EQ(list.pairs[3].image1, "C/C_0004.jpg");
}

TEST(PairsParser, MalformedLineNamesFileAndLine) {
  // Line 3 is a matched position holding a mismatched line.
  auto msg = error_of([] { parse_pairs_text("1 2\nA 1 2\nA 1 B 2\nA 1 B 2\nA 1 B 2\n", "p.txt", PairsFormat::LFW); });
  EXPECT_NE(msg.find("p.txt:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("matched"), std::string::npos) << msg;
  // A non-number image index.
  msg = error_of([] { parse_pairs_text("1\nA 1 x\nA 1 B 2\n", "p.txt", PairsFormat::LFW); });
  EXPECT_NE(msg.find("p.txt:2:"), std::string::npos) << msg;
  // A malformed header.
  msg = error_of([] { parse_pairs_text("ten 300\n", "p.txt", PairsFormat::LFW); });
  EXPECT_NE(msg.find("p.txt:1:"), std::string::npos) << msg;
}

TEST(PairsParser, WrongLineCountIsAnError) {
  auto msg = error_of([] { parse_pairs_text("1 2\nA 1 2\nA 1 3\nA 1 B 2\n", "p.txt", PairsFormat::LFW); });
  EXPECT_NE(msg.find("p.txt:4:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("promises 4"), std::string::npos) << msg;
  msg = error_of([] { parse_pairs_text("1\nA 1 2\nA 1 B 2\nC 1 2\n", "p.txt", PairsFormat::LFW); });
  EXPECT_NE(msg.find("p.txt:4:"), std::string::npos) << msg;
}

TEST(PairsParser, ListFormat) {
  const auto list = parse_pairs_text("a/1.jpg b/2.jpg 1\n\nc/3.jpg\td/4.jpg\t0\n", "list.txt", PairsFormat::Auto);
  EXPECT_EQ(list.format, PairsFormat::List);
  ASSERT_EQ(list.pairs.size(), 2u);
  EXPECT_EQ(list.pairs[0].image1, "a/1.jpg");
  EXPECT_TRUE(list.pairs[0].same);
  EXPECT_EQ(list.pairs[1].image2, "d/4.jpg");
  EXPECT_FALSE(list.pairs[1].same);
  EXPECT_EQ(list.pairs[1].line, 3);
  const auto msg = error_of([] { parse_pairs_text("a b 1\na b 2\n", "list.txt", PairsFormat::List); });
  EXPECT_NE(msg.find("list.txt:2:"), std::string::npos) << msg;
}

TEST(Interleave, MatchedThenMismatchedAlternate) {
  std::vector<Pair> in = {{"s1", "x", true, 1}, {"s2", "x", true, 2}, {"s3", "x", true, 3},
                          {"d1", "x", false, 4}, {"d2", "x", false, 5}};
  const auto out = interleave_same_diff(in);
  ASSERT_EQ(out.size(), 5u);
  std::vector<std::string> order;
  for (const auto& p : out) order.push_back(p.image1);
  EXPECT_EQ(order, (std::vector<std::string>{"s1", "d1", "s2", "d2", "s3"}));
}

TEST(UniqueImages, FirstAppearanceOrder) {
  std::vector<Pair> in = {{"a", "b", true, 1}, {"b", "c", false, 2}, {"a", "c", false, 3}};
  EXPECT_EQ(unique_images(in), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MissingImages, ListedWithCountOrDropped) {
  std::vector<Pair> in;
  for (int i = 0; i < 12; ++i) in.push_back({"m" + std::to_string(i), "ok", false, i + 2});
  in.push_back({"ok", "ok2", true, 14});
  const auto available = [](const std::string& s) { return s.rfind("ok", 0) == 0; };
  const auto msg = error_of([&] { drop_missing(in, available, false, "under /data"); });
  EXPECT_NE(msg.find("12 image(s) under /data are missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("m0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("m9"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("m10"), std::string::npos) << msg;  // only the first ten are listed
  EXPECT_NE(msg.find("skip_missing"), std::string::npos) << msg;

  const auto checked = drop_missing(in, available, true, "under /data");
  EXPECT_EQ(checked.missing_images.size(), 12u);
  EXPECT_EQ(checked.dropped_pairs, 12);
  ASSERT_EQ(checked.kept.size(), 1u);
  EXPECT_EQ(checked.kept[0].line, 14);
}

TEST(PreparePairs, ReadsInterleavesAndChecksFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "facenet_eval_prepare";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "dev.txt").string();
  std::ofstream(path) << "2\nA 1 2\nB 1 2\nA 1 B 1\nA 2 B 2\n";
  EvalConfig c;
  c.pairs = path;
  c.interleave_folds = true;
  c.skip_missing = true;
  const auto p = prepare_pairs(c, [](const std::string& s) { return s != "B/B_0002.jpg"; }, "here");
  // Interleaved: A12(S) A1B1(D) B12(S) A2B2(D); B_0002 is missing -> B12 and A2B2 dropped.
  ASSERT_EQ(p.pairs.size(), 2u);
  EXPECT_TRUE(p.pairs[0].same);
  EXPECT_FALSE(p.pairs[1].same);
  EXPECT_EQ(p.pairs[1].line, 4);
  EXPECT_EQ(p.num_missing, 1);
  EXPECT_EQ(p.dropped_pairs, 2);
  std::filesystem::remove_all(dir);
}

TEST(ResolveImage, JoinsRelativeKeepsAbsolute) {
  EXPECT_EQ(resolve_image("/data/lfw", "A/A_0001.jpg"), "/data/lfw/A/A_0001.jpg");
  EXPECT_EQ(resolve_image("/data/lfw", "/abs/x.jpg"), "/abs/x.jpg");
  EXPECT_EQ(resolve_image("", "rel.jpg"), "rel.jpg");
}
