// insightface .bin verification sets: Python 2 protocol-2 pickles and Python 3 re-dumps,
// built opcode by opcode, and malformed ones.
#include "facenet/data/verification_bin.h"

#include <gtest/gtest.h>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "support/error_of.h"
#include "support/pickle_writer.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::PickleWriter;
using facenet::test::python2_bin_pickle;

using facenet::test::error_of;

namespace {

std::vector<std::string> images(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("\xff\xd8jpeg" + std::to_string(i) + std::string(i % 7 == 0 ? 300 : 3, 'x'));
  return out;
}

}  // namespace

TEST(VerificationBin, ReadsPython2Protocol2Pickles) {
  // 2 x 1001 images: image batches of 1000, 1000, 2; the bool list 1000 + a single APPEND.
  const auto imgs = images(2002);
  std::vector<bool> same;
  for (int i = 0; i < 1001; ++i) same.push_back(i % 3 == 0);
  const auto bytes = python2_bin_pickle(imgs, same);
  ASSERT_EQ(bytes.substr(0, 5), std::string("\x80\x02]q\x00", 5));
  const auto bin = parse_verification_bin(bytes, "lfw.bin");
  EXPECT_EQ(bin.images, imgs);
  EXPECT_EQ(bin.issame, same);
  EXPECT_EQ(bin.pairs(), 1001);
  // Through a file too.
  facenet::test::TempDir dir;
  facenet::test::write_text(dir / "lfw.bin", bytes);
  EXPECT_EQ(read_verification_bin((dir / "lfw.bin").string()).images, imgs);
}

TEST(VerificationBin, ReadsPython3Protocol4Redumps) {
  // pickle.dumps((bins, issame), protocol=4): FRAME, MEMOIZE, bytes objects, BINGET for a
  // repeated object, TUPLE via MARK.
  PickleWriter w;
  w.proto(4).frame(0).empty_list().memoize().mark();
  w.binbytes("aaa").memoize().binbytes(std::string(300, 'b')).memoize().binget(1).binbytes("cc", true).memoize();
  w.appends().empty_list().memoize().newtrue().append().newfalse().append();
  w.tuple2().memoize().stop();
  const auto bin = parse_verification_bin(w.bytes(), "x.bin");
  EXPECT_EQ(bin.images, (std::vector<std::string>{"aaa", std::string(300, 'b'), "aaa", "cc"}));
  EXPECT_EQ(bin.issame, (std::vector<bool>{true, false}));

  PickleWriter t;  // a MARK ... TUPLE tuple and LONG_BINPUT / LONG_BINGET
  t.proto(2).mark().empty_list().binput(300).mark().binstring("p").binstring("q").appends();
  t.empty_list().newtrue().append().tuple().stop();
  const auto b2 = parse_verification_bin(t.bytes(), "t.bin");
  EXPECT_EQ(b2.images.size(), 2u);
}

TEST(VerificationBin, MalformedPicklesGiveOneLineErrors) {
  const auto good = python2_bin_pickle(images(4), {true, false});
  auto msg = error_of([&] { parse_verification_bin(good.substr(0, 2) + "c" + good.substr(2), "bad.bin"); });
  EXPECT_NE(msg.find("bad.bin: byte offset 2, opcode 0x63 'c'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported pickle opcode"), std::string::npos) << msg;
  // A huge length.
  PickleWriter huge;
  huge.proto(2).empty_list().op('T').le(0x7ffffff0, 4).raw("abc");
  msg = error_of([&] { parse_verification_bin(huge.bytes(), "huge.bin"); });
  EXPECT_NE(msg.find("runs past the end"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset 3"), std::string::npos) << msg;
  PickleWriter huge8;
  huge8.proto(4).op(0x8e).le(~0ull, 8);
  EXPECT_NE(error_of([&] { parse_verification_bin(huge8.bytes(), "h8.bin"); }).find("runs past"), std::string::npos);
  // Count mismatch: 4 images, 1 pair.
  msg = error_of([&] { parse_verification_bin(python2_bin_pickle(images(4), {true}), "n.bin"); });
  EXPECT_NE(msg.find("4 images for 1 pairs"), std::string::npos) << msg;
  // Wrong structure.
  PickleWriter notuple;
  notuple.proto(2).empty_list().stop();
  EXPECT_NE(error_of([&] { parse_verification_bin(notuple.bytes(), "s.bin"); }).find("not a tuple"), std::string::npos);
  PickleWriter badget;
  badget.proto(2).binget(9).stop();
  EXPECT_NE(error_of([&] { parse_verification_bin(badget.bytes(), "g.bin"); }).find("never stored"), std::string::npos);
  PickleWriter under;
  under.proto(2).tuple2();
  EXPECT_NE(error_of([&] { parse_verification_bin(under.bytes(), "u.bin"); }).find("stack underflow"),
            std::string::npos);
  // Empty, and every truncation.
  EXPECT_NE(error_of([&] { parse_verification_bin("", "e.bin"); }).find("empty"), std::string::npos);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    msg = error_of([&] { parse_verification_bin(good.substr(0, cut), "cut.bin"); });
    EXPECT_FALSE(msg.empty()) << cut;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  // Flipped bytes: an error or (rarely) a still-valid pickle, never a crash.
  for (std::size_t at = 0; at < good.size(); ++at)
    for (const unsigned char mask : {0x01, 0x10, 0xff}) {
      auto flipped = good;
      flipped[at] = char(flipped[at] ^ mask);
      msg = error_of([&] { parse_verification_bin(flipped, "flip.bin"); });
      EXPECT_EQ(msg.find('\n'), std::string::npos);
    }
  EXPECT_NE(error_of([] { read_verification_bin("/nonexistent/lfw.bin"); }).find("/nonexistent/lfw.bin"),
            std::string::npos);
}
