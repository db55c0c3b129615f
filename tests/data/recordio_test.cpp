// MXNet RecordIO: dmlc-core's exact bytes (including records split at the magic number),
// random-access and sequential reading, IRHeader pack/unpack, and malformed files.
#include "facenet/data/recordio.h"

#include <gtest/gtest.h>

#include "support/error_of.h"

#include <random>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;

using facenet::test::error_of;

namespace {

std::string u32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = char((v >> (8 * i)) & 0xff);
  return s;
}
const std::string M = u32(recordio::kMagic);  // "\x0a\x23\xd7\xce"

std::string part(uint32_t cflag, const std::string& bytes, std::size_t pad = 0) {
  return M + u32((cflag << 29) | uint32_t(bytes.size())) + bytes + std::string(pad, '\0');
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const auto path = (dir / name).string();
  facenet::test::write_text(path, bytes);
  return path;
}

}  // namespace

TEST(RecordIO, MagicIsLittleEndian) { EXPECT_EQ(M, std::string("\x0a\x23\xd7\xce", 4)); }

TEST(RecordIO, WholeRecordIsPaddedToFourBytes) {
  EXPECT_EQ(recordio::encode_record("abcde"), part(0, "abcde", 3));
  EXPECT_EQ(recordio::encode_record("abcd"), part(0, "abcd"));
  EXPECT_EQ(recordio::encode_record(""), part(0, ""));
}

TEST(RecordIO, SplitsAtAlignedMagicLikeDmlc) {
  // Magic at offset 4: first part "ABCD" (cflag 1), last part "EFGHIJ" (cflag 3), padded.
  EXPECT_EQ(recordio::encode_record("ABCD" + M + "EFGHIJ"), part(1, "ABCD") + part(3, "EFGHIJ", 2));
  // Three parts: cflag 1, 2, 3; empty parts where magics touch.
  EXPECT_EQ(recordio::encode_record(M + M + "xy"), part(1, "") + part(2, "") + part(3, "xy", 2));
  EXPECT_EQ(recordio::encode_record("ABCD" + M + "EFGH" + M + "IJKL"),
            part(1, "ABCD") + part(2, "EFGH") + part(3, "IJKL"));
  // Magic as the last aligned word: an empty last part.
  EXPECT_EQ(recordio::encode_record("ABCD" + M), part(1, "ABCD") + part(3, ""));
  // Unaligned magic is left alone.
  EXPECT_EQ(recordio::encode_record("a" + M + "bcd"), part(0, "a" + M + "bcd"));
  // A magic in the unaligned tail is not split either.
  EXPECT_EQ(recordio::encode_record("ABCDE" + M), part(0, "ABCDE" + M, 3));
}

TEST(RecordIO, ReaderRejoinsSplitRecordsAndScansSequentially) {
  TempDir dir;
  std::mt19937 rng(7);
  std::vector<std::string> payloads{"", "x", "ABCD" + M, M + M + "xy", "ABCD" + M + "EFGH" + M + "IJKL", M};
  for (int i = 0; i < 40; ++i) {
    std::string p(rng() % 200, '\0');
    for (auto& c : p) c = char(rng() % 4 == 0 ? 0x0a : rng() % 256);
    for (std::size_t at = 0; at + 4 <= p.size(); at += 4)
      if (rng() % 5 == 0) p.replace(at, 4, M);
    payloads.push_back(p);
  }
  const auto path = (dir / "t.rec").string();
  std::vector<uint64_t> offsets;
  std::string expected_bytes;
  {
    recordio::RecordWriter w(path);
    for (const auto& p : payloads) {
      EXPECT_EQ(w.tell(), expected_bytes.size());
      offsets.push_back(w.write(p));
      expected_bytes += recordio::encode_record(p);
    }
    w.close();
  }
  EXPECT_EQ(read_file(path), expected_bytes);
  recordio::RecordFile file(path);
  for (std::size_t i = payloads.size(); i-- > 0;) EXPECT_EQ(file.read(offsets[i]), payloads[i]) << i;
  EXPECT_EQ(file.read(offsets[4], nullptr, 6), payloads[4].substr(0, 6));
  recordio::RecordScanner scan(file);
  std::string rec;
  uint64_t at = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    ASSERT_TRUE(scan.next(rec, &at));
    EXPECT_EQ(at, offsets[i]);
    EXPECT_EQ(rec, payloads[i]);
  }
  EXPECT_FALSE(scan.next(rec));
}

TEST(RecordIO, IRHeaderPackUnpackLikeMxnet) {
  recordio::IRHeader h;
  h.label = 3.f;
  h.id = 7;
  const auto s = recordio::pack(h, "img");
  // struct.pack('IfQQ', 0, 3.0, 7, 0) + b'img'
  EXPECT_EQ(s, u32(0) + u32(0x40400000) + u32(7) + u32(0) + u32(0) + u32(0) + "img");
  std::string_view data;
  auto back = recordio::unpack(s, &data);
  EXPECT_EQ(back.flag, 0u);
  EXPECT_EQ(back.label, 3.f);
  EXPECT_EQ(back.id, 7u);
  EXPECT_EQ(data, "img");
  // An array label: flag = count, label = 0, the float32 labels before the data.
  recordio::IRHeader a;
  a.label = 9.f;  // ignored, as mxnet.recordio.pack replaces it by 0
  a.labels = {5.f, 12.f};
  a.id = 1;
  a.id2 = 2;
  const auto t = recordio::pack(a, "");
  EXPECT_EQ(t, u32(2) + u32(0) + u32(1) + u32(0) + u32(2) + u32(0) + u32(0x40a00000) + u32(0x41400000));
  back = recordio::unpack(t, &data);
  EXPECT_EQ(back.flag, 2u);
  EXPECT_EQ(back.labels, (std::vector<float>{5.f, 12.f}));
  EXPECT_EQ(back.first_label(), 5.f);
  EXPECT_TRUE(data.empty());
  EXPECT_NE(error_of([&] { recordio::unpack(t.substr(0, 20), nullptr, "here"); }).find("here"), std::string::npos);
  EXPECT_NE(error_of([&] { recordio::unpack(t.substr(0, 28)); }).find("flag 2"), std::string::npos);
}

TEST(RecordIO, MalformedFilesGiveErrorsNamingFileAndOffset) {
  TempDir dir;
  const auto good = recordio::encode_record("hello") + recordio::encode_record("ABCD" + M + "EFGH");
  struct Case {
    std::string name, bytes, expect;
    uint64_t offset;
  };
  const std::vector<Case> cases{
      {"badmagic.rec", u32(0x12345678) + u32(4) + "abcd", "bad magic 0x12345678", 0},
      {"short.rec", M + "\x04\x00", "truncated record header", 0},
      {"past.rec", M + u32(100) + "abcd", "runs past the end", 0},
      {"absurd.rec", M + u32(0x1fffffff) + "abcd", "runs past the end", 0},
      {"startsmid.rec", part(2, "abcd"), "continuation flag 2", 0},
      {"badseq.rec", part(1, "abcd") + part(0, "efgh"), "continuation flag 0", 0},
      {"nolast.rec", part(1, "abcd"), "continuation part missing", 0},
      {"beyond.rec", good, "beyond the end", 400},
      {"unaligned.rec", good, "not a multiple of 4", 2},
      {"cutpad.rec", good.substr(0, 13), "runs past the end", 0},
  };
  for (const auto& c : cases) {
    const auto path = write_file(dir, c.name, c.bytes);
    recordio::RecordFile f(path);
    const auto msg = error_of([&] { f.read(c.offset); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte offset " + std::to_string(c.offset)), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_NE(error_of([&] { recordio::RecordFile f((dir / "missing.rec").string()); }).find("missing.rec"),
            std::string::npos);
  // An empty file holds no records.
  recordio::RecordFile empty(write_file(dir, "empty.rec", ""));
  recordio::RecordScanner scan(empty);
  std::string rec;
  EXPECT_FALSE(scan.next(rec));
  EXPECT_NE(error_of([&] { empty.read(0); }).find("beyond the end"), std::string::npos);
}

TEST(RecordIO, TruncatedAndFlippedFilesNeverCrash) {
  TempDir dir;
  std::string bytes;
  for (const auto& p : {std::string("first record"), "ABCD" + M + "EFGHIJKL" + M + "z", std::string(37, 'q')})
    bytes += recordio::encode_record(p);
  auto scan_all = [&](const std::string& name, const std::string& content) {
    recordio::RecordFile f(write_file(dir, name, content));
    recordio::RecordScanner scan(f);
    std::string rec;
    int n = 0;
    const auto msg = error_of([&] {
      while (scan.next(rec)) ++n;
    });
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    return msg;
  };
  EXPECT_EQ(scan_all("whole.rec", bytes), "");
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    // Every cut inside a record is reported (cuts at a record boundary are a shorter valid file).
    const auto msg = scan_all("cut.rec", bytes.substr(0, cut));
    (void)msg;
  }
  for (std::size_t at = 0; at < bytes.size(); ++at)
    for (const unsigned char mask : {0x01, 0x80, 0xff}) {
      auto flipped = bytes;
      flipped[at] = char(flipped[at] ^ mask);
      scan_all("flip.rec", flipped);
    }
  EXPECT_NE(scan_all("cut.rec", bytes.substr(0, 10)), "");
}
