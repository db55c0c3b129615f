// insightface packs: the writer's exact layout, the reader (with and without the header
// record), index errors, resizing, unpack -> pack byte identity, packs as a Dataset source,
// and the loader reading (and skipping corrupt) pack records.
#include "facenet/data/pack.h"

#include <gtest/gtest.h>

#include "support/error_of.h"
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/folder_source.h"
#include "facenet/data/loader.h"
#include "facenet/data/pack_source.h"
#include "facenet/data/pack_writer.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/recordio.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;
namespace fs = std::filesystem;

using facenet::test::error_of;

namespace {

/// id0: 2 images, id1: 1, id2: 3; noise images of `size` px (PNG and JPEG mixed).
Dataset make_tree(const TempDir& dir, int size = 16, const std::string& sub = "tree") {
  cv::RNG rng(99);
  const int counts[] = {2, 1, 3};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < counts[i]; ++j) {
      cv::Mat img(size + (j == 2 ? 4 : 0), size, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      const auto path = dir / (sub + "/id" + std::to_string(i) + "/" + std::to_string(j) + (j % 2 ? ".png" : ".jpg"));
      fs::create_directories(path.parent_path());
      cv::imwrite(path.string(), img);
    }
  return scan_folder((dir / sub).string(), {false, ""});
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

recordio::IRHeader header_at(const std::string& rec_bytes, uint64_t offset, std::string* data = nullptr) {
  const auto path = fs::temp_directory_path() / ("pack_test_tmp_" + std::to_string(::getpid()) + ".rec");
  facenet::test::write_text(path, rec_bytes);
  recordio::RecordFile f(path.string());
  const auto rec = f.read(offset);
  std::string_view d;
  auto h = recordio::unpack(rec, &d);
  if (data) *data = std::string(d);
  fs::remove(path);
  return h;
}

}  // namespace

TEST(Pack, WriterUsesInsightfaceLayout) {
  TempDir dir;
  const auto ds = make_tree(dir);
  const auto out = (dir / "pack").string();
  const auto stats = write_pack(ds, out);
  EXPECT_EQ(stats.images, 6);
  EXPECT_EQ(stats.identities, 3);
  EXPECT_EQ(read_file(out + "/property"), "3,16,16\n");
  const auto rec = read_file(out + "/train.rec");
  // Record 0: magic, length 32, IRHeader(flag 2, label 0, id 0, id2 0), labels (7, 10).
  const std::string header("\x0a\x23\xd7\xce\x20\x00\x00\x00"
                           "\x02\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\xe0\x40\x00\x00\x20\x41",
                           40);
  EXPECT_EQ(rec.substr(0, 40), header);
  const auto idx = lines(read_file(out + "/train.idx"));
  ASSERT_EQ(idx.size(), 10u);
  uint64_t expected_offset = 0;
  const int64_t labels[] = {0, 0, 1, 2, 2, 2};
  for (int k = 0; k < 10; ++k) {
    const auto tab = idx[k].find('\t');
    ASSERT_NE(tab, std::string::npos) << idx[k];
    EXPECT_EQ(idx[k].substr(0, tab), std::to_string(k));
    const auto offset = std::stoull(idx[k].substr(tab + 1));
    EXPECT_EQ(offset, expected_offset) << "record " << k;
    std::string data;
    const auto h = header_at(rec, offset, &data);
    EXPECT_EQ(h.id, uint64_t(k));
    EXPECT_EQ(h.id2, 0u);
    if (k >= 1 && k <= 6) {
      EXPECT_EQ(h.flag, 0u);
      EXPECT_EQ(h.label, float(labels[k - 1]));
      EXPECT_EQ(data, read_file(ds.name(k - 1))) << "image record " << k;
    } else if (k >= 7) {
      const std::vector<float> ranges[] = {{1, 3}, {3, 4}, {4, 7}};
      EXPECT_EQ(h.flag, 2u);
      EXPECT_EQ(h.labels, ranges[k - 7]);
      EXPECT_TRUE(data.empty());
    }
    expected_offset += recordio::encode_record(recordio::pack(h, data)).size();
  }
  EXPECT_EQ(expected_offset, rec.size());

  PackReader reader(out);
  EXPECT_TRUE(reader.has_header_record());
  EXPECT_EQ(reader.num_images(), 6);
  EXPECT_EQ(reader.num_identities(), 3);
  EXPECT_EQ(reader.height(), 16);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(reader.label(i), labels[i]);
    EXPECT_EQ(reader.record(i), i + 1);
    EXPECT_EQ(reader.read_image(i), read_file(ds.name(i)));
  }
  EXPECT_EQ(reader.by_identity(), (std::vector<std::vector<int64_t>>{{0, 1}, {2}, {3, 4, 5}}));
  // Opened through the .rec path too.
  EXPECT_EQ(PackReader(out + "/train.rec").num_images(), 6);
}

TEST(Pack, ReadsPacksWithoutHeaderRecord) {
  // Plain im2rec output: every record an image, keys from 0, labels as float or labels[0]; no property.
  TempDir dir;
  const auto rec_path = (dir / "plain.rec").string();
  std::string idx;
  const float labels[] = {1, 0, 2, 0, 1};
  {
    recordio::RecordWriter w(rec_path);
    for (int k = 0; k < 5; ++k) {
      recordio::IRHeader h;
      if (k % 2)
        h.labels = {labels[k], 1.f};  // face2rec2 style [label, aligned]
      else
        h.label = labels[k];
      h.id = k;
      idx += std::to_string(k) + "\t" + std::to_string(w.write(recordio::pack(h, "image" + std::to_string(k)))) + "\n";
    }
  }
  facenet::test::write_text(dir / "plain.idx", idx);
  PackReader reader(rec_path);
  EXPECT_FALSE(reader.has_header_record());
  ASSERT_EQ(reader.num_images(), 5);
  EXPECT_EQ(reader.num_identities(), 3);
  // Ordered by label, then key.
  const int64_t keys[] = {1, 3, 0, 4, 2};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(reader.record(i), keys[i]);
    EXPECT_EQ(reader.label(i), int64_t(labels[keys[i]]));
    EXPECT_EQ(reader.read_image(i), "image" + std::to_string(keys[i]));
  }
  const auto ds = dataset_of(open_pack(rec_path));
  EXPECT_EQ(ds.num_classes(), 3);
  EXPECT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.bytes(2), "image0");
  EXPECT_EQ(ds.name(2), rec_path + "#0");
}

TEST(Pack, IndexErrorsNameFileAndLine) {
  TempDir dir;
  const auto ds = make_tree(dir);
  const auto out = (dir / "pack").string();
  write_pack(ds, out);
  // As a pack from another tool (no facenet.digest): the readers themselves must report.
  fs::remove(out + "/" + kPackDigestFile);
  const auto idx = read_file(out + "/train.idx");
  const auto size = fs::file_size(out + "/train.rec");
  auto open_with = [&](const std::string& text) {
    facenet::test::write_text(out + "/train.idx", text);
    return error_of([&] { PackReader r(out); });
  };
  auto l = lines(idx);
  auto msg = open_with(l[0] + "\n" + "1\tabc\n");
  EXPECT_NE(msg.find("train.idx:2"), std::string::npos) << msg;
  msg = open_with(l[0] + "\nx1\t40\n");
  EXPECT_NE(msg.find("train.idx:2"), std::string::npos) << msg;
  msg = open_with(l[0] + "\n" + l[1] + "\n2\t" + std::to_string(size + 40) + "\n");
  EXPECT_NE(msg.find("train.idx:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("beyond the end"), std::string::npos) << msg;
  msg = open_with(l[0] + "\n" + l[1] + "\n" + l[1] + "\n");
  EXPECT_NE(msg.find("repeats"), std::string::npos) << msg;
  msg = open_with("");
  EXPECT_NE(msg.find("lists no records"), std::string::npos) << msg;
  // An identity record missing from the index.
  std::string partial;
  for (int k = 0; k < 9; ++k) partial += l[k] + "\n";
  msg = open_with(partial);
  EXPECT_NE(msg.find("identity record 9"), std::string::npos) << msg;
  facenet::test::write_text(out + "/train.idx", idx);
  EXPECT_EQ(error_of([&] { PackReader r(out); }), "");
  fs::remove(out + "/property");
  msg = error_of([&] { PackReader r(out); });
  EXPECT_NE(msg.find("property"), std::string::npos) << msg;
  facenet::test::write_text(out + "/property", "three,112,112\n");
  msg = error_of([&] { PackReader r(out); });
  EXPECT_NE(msg.find("property:1"), std::string::npos) << msg;
  fs::remove(out + "/train.idx");
  msg = error_of([&] { PackReader r(out); });
  EXPECT_NE(msg.find("train.idx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(Pack, EmptyTruncatedAndFlippedPacksNeverCrash) {
  TempDir dir;
  const auto ds = make_tree(dir);
  const auto out = (dir / "pack").string();
  write_pack(ds, out);
  // As a pack from another tool (no facenet.digest): the readers themselves must report.
  fs::remove(out + "/" + kPackDigestFile);
  const auto rec = read_file(out + "/train.rec");
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);  // hundreds of expected "skipping" warnings
  auto try_all = [&](const std::string& bytes) {
    facenet::test::write_text(out + "/train.rec", bytes);
    int errors = 0;
    const auto msg = error_of([&] {
      PackReader r(out);
      for (int64_t i = 0; i < r.num_images(); ++i) {
        const auto e = error_of([&] { r.read_image(i); });
        EXPECT_EQ(e.find('\n'), std::string::npos);
        errors += !e.empty();
      }
    });
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    return msg.empty() ? std::to_string(errors) : msg;
  };
  EXPECT_NE(try_all("").find("beyond the end"), std::string::npos);
  EXPECT_NE(try_all(rec.substr(0, rec.size() / 2)).find("beyond the end"), std::string::npos);
  for (std::size_t at = 0; at < rec.size(); at += 3) {
    auto flipped = rec;
    flipped[at] = char(flipped[at] ^ 0x5a);
    try_all(flipped);
  }
  spdlog::set_level(level);
}

TEST(Pack, DigestNamesAnEditedIndexPropertyOrRecords) {
  TempDir dir;
  const auto ds = make_tree(dir);
  const auto out = (dir / "pack").string();
  write_pack(ds, out);
  ASSERT_TRUE(fs::exists(out + "/" + kPackDigestFile));
  {
    PackReader intact(out);
    EXPECT_TRUE(intact.digest_verified());
    EXPECT_TRUE(verify_pack_records(intact));
  }
  const auto idx = read_file(out + "/train.idx"), rec = read_file(out + "/train.rec");
  // A still-parsable index edit (two lines swapped) is caught by the digest, naming the file.
  auto l = lines(idx);
  std::swap(l[1], l[2]);
  std::string swapped;
  for (const auto& line : l) swapped += line + "\n";
  facenet::test::write_text(out + "/train.idx", swapped);
  auto msg = error_of([&] { PackReader r(out); });
  EXPECT_NE(msg.find("train.idx' is damaged"), std::string::npos) << msg;
  facenet::test::write_text(out + "/train.idx", idx);
  // One flipped byte in train.rec: verify_pack_records (facenet check) names it.
  auto flipped = rec;
  flipped[rec.size() / 2] = char(flipped[rec.size() / 2] ^ 1);
  facenet::test::write_text(out + "/train.rec", flipped);
  msg = error_of([&] { verify_pack_records(PackReader(out)); });
  EXPECT_NE(msg.find("train.rec' is damaged"), std::string::npos) << msg;
  // A truncated train.rec is refused at open (its size is recorded).
  facenet::test::write_text(out + "/train.rec", rec.substr(0, rec.size() - 4));
  msg = error_of([&] { PackReader r(out); });
  EXPECT_NE(msg.find("train.rec' is damaged"), std::string::npos) << msg;
}

TEST(Pack, ResizesOnlyImagesOfAnotherSize) {
  TempDir dir;
  const auto ds = make_tree(dir);  // 16x16, except the 3rd image of id2 (16 wide, 20 high)
  const auto out = (dir / "pack").string();
  PackOptions opt;
  opt.size = 16;
  const auto stats = write_pack(ds, out, opt);
  EXPECT_EQ(stats.resized, 1);
  EXPECT_EQ(read_file(out + "/property"), "3,16,16\n");
  PackReader reader(out);
  for (int i = 0; i < 6; ++i) {
    const auto bytes = reader.read_image(i);
    if (i == 5) {
      EXPECT_EQ(image_extension(bytes), ".jpg");
      const cv::Mat img = cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
      EXPECT_EQ(img.rows, 16);
      EXPECT_EQ(img.cols, 16);
    } else {
      EXPECT_EQ(bytes, read_file(ds.name(i))) << i;
    }
  }
  opt.size = 8;
  EXPECT_EQ(write_pack(ds, (dir / "pack8").string(), opt).resized, 6);
}

TEST(Pack, UnpackThenPackIsByteIdentical) {
  TempDir dir;
  // 12 identities so labels need two digits (folder order must stay label order).
  cv::RNG rng(5);
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j <= i % 3; ++j) {
      cv::Mat img(12, 12, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      facenet::test::write_text(dir / ("tree/p" + std::to_string(i + 100) + "/" + std::to_string(j) + ".png"), "");
      cv::imwrite((dir / ("tree/p" + std::to_string(i + 100) + "/" + std::to_string(j) + ".png")).string(), img);
    }
  const auto ds = scan_folder((dir / "tree").string(), {false, ""});
  write_pack(ds, (dir / "a").string());
  PackReader a((dir / "a").string());
  EXPECT_EQ(unpack(a, (dir / "un").string()), ds.size());
  EXPECT_TRUE(fs::exists(dir / "un/00/01.png"));
  EXPECT_TRUE(fs::exists(dir / "un/11/" / (std::to_string(a.record(a.num_images() - 1)) + ".png")));
  write_pack(scan_folder((dir / "un").string(), {false, ""}), (dir / "b").string());
  EXPECT_EQ(read_file((dir / "a/train.rec").string()), read_file((dir / "b/train.rec").string()));
  EXPECT_EQ(read_file((dir / "a/train.idx").string()), read_file((dir / "b/train.idx").string()));
  EXPECT_EQ(read_file((dir / "a/property").string()), read_file((dir / "b/property").string()));
  // A pack-backed dataset packs again identically too.
  write_pack(dataset_of(open_pack((dir / "a").string())), (dir / "c").string());
  EXPECT_EQ(read_file((dir / "a/train.rec").string()), read_file((dir / "c/train.rec").string()));
}

TEST(Pack, LoadsAsDatasetFromConfig) {
  TempDir dir;
  const auto ds = make_tree(dir);
  write_pack(ds, (dir / "pack").string());
  DataConfig c;
  c.rec = (dir / "pack/train.rec").string();
  auto a = load_dataset(c);
  const auto* pack = dynamic_cast<const PackSource*>(a.source.get());
  ASSERT_TRUE(pack);
  EXPECT_EQ(a.num_classes(), 3);
  EXPECT_EQ(a.size(), 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(a.samples[i].label, ds.samples[i].label);
    EXPECT_EQ(a.samples[i].item, i);
    EXPECT_EQ(a.name(i), c.rec + "#" + std::to_string(i + 1));
  }
  DataConfig by_root;
  by_root.root = (dir / "pack").string();
  EXPECT_EQ(open_source(by_root).kind, "pack");
  EXPECT_TRUE(dynamic_cast<const PackSource*>(load_dataset(by_root).source.get()));
  // Splits and identity filters keep the pack.
  const auto split = split_dataset(a, 0.3, SplitBy::Identity, 1);
  EXPECT_TRUE(split.train.source == a.source && split.val.source == a.source);
  const auto kept = keep_identities(a, {"2"});
  ASSERT_TRUE(kept.source == a.source);
  EXPECT_EQ(kept.size(), 3);
  EXPECT_EQ(kept.bytes(0), read_file(ds.name(3)));
  EXPECT_EQ(sizeof(Sample), 16u);  // a 5M-image pack costs 80 MB of samples
}

TEST(Pack, LoaderBatchesEqualTheFolderTree) {
  TempDir dir;
  const auto ds = make_tree(dir);
  write_pack(ds, (dir / "pack").string());
  const auto packed = dataset_of(open_pack((dir / "pack").string()));
  DataConfig c;
  c.workers = 2;
  c.prefetch = 2;
  c.preprocess.image_size = 12;
  c.augment.crop_scale = 0.1;
  BatchLoader from_files(ds, BatchSampler(ds, SamplingMode::PK, 4, 3, 2), c, 11);
  BatchLoader from_pack(packed, BatchSampler(packed, SamplingMode::PK, 4, 3, 2), c, 11);
  for (int b = 0; b < 4; ++b) {
    const auto x = from_files.next(), y = from_pack.next();
    EXPECT_EQ(x.samples, y.samples);
    EXPECT_TRUE(torch::equal(x.labels, y.labels));
    EXPECT_TRUE(torch::equal(x.images, y.images)) << "batch " << b;
  }
  EXPECT_EQ(from_pack.corrupt_files(), 0);
}

TEST(Pack, LoaderSkipsAndCountsCorruptRecords) {
  TempDir dir;
  auto ds = make_tree(dir);
  // id2's first image: bytes that do not decode; id2's second: a truncated JPEG.
  facenet::test::write_text(ds.name(3), "not an image at all");
  const auto jpeg = read_file(ds.name(0));
  facenet::test::write_text(ds.name(4), jpeg.substr(0, jpeg.size() / 2));
  const auto out = (dir / "pack").string();
  write_pack(ds, out);
  // id0's second image: a broken record (bad magic) in train.rec.
  PackReader before(out);
  auto rec = read_file(out + "/train.rec");
  rec[before.offset(1)] = 'X';
  facenet::test::write_text(out + "/train.rec", rec);
  const auto packed = dataset_of(open_pack(out));
  DataConfig c;
  c.workers = 2;
  c.prefetch = 1;
  c.preprocess.image_size = 12;
  BatchLoader loader(packed, BatchSampler(packed, SamplingMode::Shuffled, 6, 3), c, 3, 0, false);
  for (int b = 0; b < 3; ++b) {
    const auto batch = loader.next();
    EXPECT_TRUE(torch::isfinite(batch.images).all().item<bool>());
  }
  EXPECT_EQ(loader.corrupt_files(), 3);
  EXPECT_GE(loader.substitutions(), 3);
}

TEST(Pack, SampleImagesFromAPackEqualTheFiles) {
  TempDir dir;
  const auto ds = make_tree(dir);
  write_pack(ds, (dir / "pack").string());
  const auto packed = dataset_of(open_pack((dir / "pack").string()));
  PreprocessConfig p;
  p.image_size = 12;
  std::vector<std::string> paths;
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < ds.size(); ++i) paths.push_back(ds.name(i)), indices.push_back(i);
  for (bool flip : {false, true}) {
    const auto files = load_images(paths, p, flip, 2);
    EXPECT_TRUE(torch::equal(load_sample_images(packed, indices, p, flip, 2), files));
    EXPECT_TRUE(torch::equal(load_sample_images(ds, indices, p, flip, 2), files));
    // decode_images over the same bytes.
    std::vector<std::string> bytes;
    for (int64_t i : indices) bytes.push_back(packed.bytes(i));
    EXPECT_TRUE(torch::equal(decode_images(bytes, p, flip, 2), files));
  }
  EXPECT_THROW(decode_images({"not an image"}, p, false, 1), facenet::Error);
}
