// Dataset sources: folder scan (unicode names, non-images, empty folders, cache), annotation
// files, identity lists, statistics and the seeded split.
#include "facenet/data/dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/crc32c.h"
#include "facenet/core/fs.h"
#include "facenet/data/annotation_source.h"
#include "facenet/data/file_source.h"
#include "facenet/data/folder_source.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;
using facenet::test::write_image;
using facenet::test::write_text;
namespace fs = std::filesystem;

namespace {

/// An edited index cache text with its closing digest line recomputed (as save_index writes it).
std::string resealed_index(const std::string& text) {
  const auto body = text.substr(0, text.rfind("crc32c "));
  char digest[16];
  std::snprintf(digest, sizeof(digest), "%x", facenet::crc32c::value(body));
  return body + "crc32c " + digest + "\n";
}

/// bob: 3 images, Zoë: 2 (+ a README), alice: 1 (.JPG upper case), empty/: none.
void make_tree(const TempDir& dir) {
  write_image(dir / "bob/b1.jpg");
  write_image(dir / "bob/b2.png");
  write_image(dir / "bob/b3.jpeg");
  write_image(dir / "Zoë/z1.jpg");
  write_image(dir / "Zoë/z2.bmp");
  write_text(dir / "Zoë/README.txt", "not an image");
  write_text(dir / "Zoë/.DS_Store", "junk");
  write_image(dir / "alice/A1.JPG");
  fs::create_directories(dir / "empty");
  write_text(dir / "notes.txt", "top-level file");
}

}  // namespace

TEST(Dataset, ScanNumbersSortedFoldersAndSkipsNonImages) {
  TempDir dir;
  make_tree(dir);
  const auto ds = scan_folder(dir.str(), {false, ""});
  // Byte-wise (code point) order: "Zoë" < "alice" < "bob"; "empty" has no images.
  ASSERT_EQ(ds.identities, (std::vector<std::string>{"Zoë", "alice", "bob"}));
  ASSERT_EQ(ds.size(), 6);
  EXPECT_EQ(ds.name(0), (dir / "Zoë/z1.jpg").string());
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.name(1), (dir / "Zoë/z2.bmp").string());
  EXPECT_EQ(ds.name(2), (dir / "alice/A1.JPG").string());
  EXPECT_EQ(ds.samples[2].label, 1);
  EXPECT_EQ(ds.name(5), (dir / "bob/b3.jpeg").string());
  EXPECT_EQ(ds.samples[5].label, 2);
  const auto groups = ds.by_identity();
  EXPECT_EQ(groups[2], (std::vector<int64_t>{3, 4, 5}));
}

TEST(Dataset, StatsAndSummary) {
  TempDir dir;
  make_tree(dir);
  const auto s = dataset_stats(scan_folder(dir.str(), {false, ""}));
  EXPECT_EQ(s.identities, 3);
  EXPECT_EQ(s.images, 6);
  EXPECT_EQ(s.min_per_identity, 1);
  EXPECT_EQ(s.median_per_identity, 2);
  EXPECT_EQ(s.max_per_identity, 3);
  EXPECT_EQ(s.triplet_identities, 2);
  EXPECT_NE(describe(s).find("3 identities, 6 images"), std::string::npos) << describe(s);
}

TEST(Dataset, ImageExtensions) {
  for (const char* ok : {"a.jpg", "a.JPEG", "x/y.png", "b.bmp", "c.webp", "d.pgm", "e.ppm", "f.tif", "g.TIFF"})
    EXPECT_TRUE(is_image_path(ok)) << ok;
  for (const char* bad : {"a.txt", "a.gif", "jpg", "a.jpg.bak", ""}) EXPECT_FALSE(is_image_path(bad)) << bad;
}

TEST(Dataset, MissingOrEmptyRootIsAnErrorNamingThePath) {
  TempDir dir;
  try {
    scan_folder((dir / "nope").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "nope").string()), std::string::npos) << e.what();
  }
  fs::create_directories(dir / "empty_id");
  write_text(dir / "empty_id/x.txt", "no images");
  try {
    scan_folder(dir.str());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.str()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no images"), std::string::npos) << e.what();
  }
}

TEST(Dataset, IndexCacheIsWrittenReusedAndInvalidated) {
  TempDir dir;
  make_tree(dir);
  const auto first = scan_folder(dir.str());
  const auto index = dir / ".facenet_index.txt";
  ASSERT_TRUE(fs::exists(index));
  // Prove the cache is read: rename a file inside the index only (folders untouched).
  auto text = facenet::read_file(index.string());
  const auto at = text.find("b1.jpg");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 6, "zz.jpg");
  // Damage without a matching digest is noticed: the folder is scanned again.
  write_text(index, text);
  EXPECT_EQ(scan_folder(dir.str()).name(3), (dir / "bob/b1.jpg").string());
  // The same edit with its digest recomputed is trusted (so the cache really is read).
  write_text(index, resealed_index(text));
  const auto cached = scan_folder(dir.str());
  EXPECT_EQ(cached.identities, first.identities);
  EXPECT_EQ(cached.name(3), (dir / "bob/zz.jpg").string());
  // Adding an image changes its folder's mtime: the index is rebuilt.
  write_image(dir / "alice/A2.png");
  const auto rescanned = scan_folder(dir.str());
  EXPECT_EQ(rescanned.size(), 7);
  EXPECT_EQ(rescanned.name(4), (dir / "bob/b1.jpg").string());
}

TEST(Dataset, UnwritableRootCachesInTheCacheDir) {
  TempDir dir, cache;
  make_tree(dir);
  const bool as_root = ::geteuid() == 0;
  if (as_root) {
    // root ignores permissions: block the index path with a non-empty folder instead.
    write_text(dir / ".facenet_index.txt/blocker", "x");
  } else {
    fs::permissions(dir / "", fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                    fs::perm_options::remove);
  }
  const auto ds = scan_folder(dir.str(), {true, cache.str()});
  EXPECT_EQ(ds.size(), 6);
  EXPECT_FALSE(fs::is_regular_file(dir / ".facenet_index.txt"));
  std::vector<fs::path> cached;
  for (const auto& e : fs::directory_iterator(cache / "")) cached.push_back(e.path());
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(cached[0].filename().string().rfind("index-", 0), 0u);
  // Prove the second scan reads the cache dir's copy: edit a file name there only.
  auto text = facenet::read_file(cached[0].string());
  const auto at = text.find("z1.jpg");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 6, "q1.jpg");
  write_text(cached[0], resealed_index(text));
  EXPECT_EQ(scan_folder(dir.str(), {true, cache.str()}).name(0), (dir / "Zoë/q1.jpg").string());
  if (!as_root) fs::permissions(dir / "", fs::perms::owner_all, fs::perm_options::add);
}

TEST(Dataset, AnnotationResolvesRelativePathsAndKeepsLabels) {
  TempDir dir;
  write_text(dir / "lists/cls_train.txt",
             "# comment\n1;imgs/bob/b1.jpg\n0;/abs/alice/a1.jpg\n\n1;imgs/bob/b2.jpg\n3;imgs/carol/c.jpg\n");
  const auto ds = read_annotation((dir / "lists/cls_train.txt").string());
  ASSERT_EQ(ds.size(), 4);
  EXPECT_EQ(ds.identities, (std::vector<std::string>{"alice", "bob", "label_2", "carol"}));
  EXPECT_EQ(ds.name(0), "/abs/alice/a1.jpg");
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.name(1), (dir / "lists/imgs/bob/b1.jpg").string());
  EXPECT_EQ(ds.samples[1].label, 1);
  EXPECT_EQ(ds.samples[3].label, 3);
}

TEST(Dataset, MalformedAnnotationNamesFileAndLine) {
  TempDir dir;
  const auto path = (dir / "a.txt").string();
  for (const char* bad : {"0;x.jpg\nno separator\n", "0;x.jpg\nfive;x.jpg\n", "0;x.jpg\n-1;x.jpg\n", "0;x.jpg\n2;\n"}) {
    write_text(path, bad);
    try {
      read_annotation(path);
      FAIL() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
    }
  }
}

TEST(Dataset, AnnotationRoundTrip) {
  TempDir dir;
  make_tree(dir);
  const auto ds = scan_folder(dir.str(), {false, ""});
  write_annotation(ds, (dir / "out/cls_train.txt").string());
  const auto text = facenet::read_file((dir / "out/cls_train.txt").string());
  EXPECT_EQ(text.substr(0, text.find('\n')), "0;" + (dir / "Zoë/z1.jpg").string());
  const auto back = read_annotation((dir / "out/cls_train.txt").string());
  ASSERT_EQ(back.size(), ds.size());
  for (int64_t i = 0; i < ds.size(); ++i) {
    EXPECT_EQ(back.name(i), ds.name(i));
    EXPECT_EQ(back.samples[i].label, ds.samples[i].label);
  }
  EXPECT_EQ(back.identities, ds.identities);
}

TEST(Dataset, IdentityListsPlainAndLfwFormat) {
  TempDir dir;
  write_text(dir / "plain.txt", "bob\nZoë\n\n");
  write_text(dir / "peopleDevTrain.txt", "2\nbob\t3\nalice\t1\n");
  EXPECT_EQ(read_identity_list((dir / "plain.txt").string()), (std::vector<std::string>{"bob", "Zoë"}));
  EXPECT_EQ(read_identity_list((dir / "peopleDevTrain.txt").string()), (std::vector<std::string>{"bob", "alice"}));

  TempDir root;
  make_tree(root);
  DataConfig config;
  config.root = root.str();
  config.cache_index = false;
  config.include_identities = (dir / "peopleDevTrain.txt").string();
  const auto ds = load_dataset(config);
  EXPECT_EQ(ds.identities, (std::vector<std::string>{"alice", "bob"}));
  ASSERT_EQ(ds.size(), 4);
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.samples[3].label, 1);
}

namespace {
/// Files "p<i>/<j>" (never read) of identities "p<i>".
Dataset toy(int identities, int per_identity) {
  FileList list;
  for (int i = 0; i < identities; ++i) {
    list.identities.push_back("p" + std::to_string(i));
    for (int j = 0; j < per_identity; ++j) list.files.push_back({"p" + std::to_string(i) + "/" + std::to_string(j), i});
  }
  return dataset_of(std::make_shared<FileSource>(std::move(list)));
}
std::vector<std::string> paths(const Dataset& ds) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < ds.size(); ++i) out.push_back(ds.name(i));
  return out;
}
}  // namespace

TEST(Dataset, SplitByImageIsSeededAndKeepsEveryIdentity) {
  const auto ds = toy(10, 5);
  const auto a = split_dataset(ds, 0.3, SplitBy::Image, 7), b = split_dataset(ds, 0.3, SplitBy::Image, 7);
  const auto c = split_dataset(ds, 0.3, SplitBy::Image, 8);
  EXPECT_EQ(a.val.size(), 15);
  EXPECT_EQ(a.train.size(), 35);
  EXPECT_EQ(paths(a.val), paths(b.val));
  EXPECT_NE(paths(a.val), paths(c.val));
  EXPECT_EQ(a.train.identities, ds.identities);
  std::set<int64_t> train_labels;
  for (const auto& s : a.train.samples) train_labels.insert(s.label);
  EXPECT_EQ(train_labels.size(), 10u);
  // One image per identity: none can move to val.
  EXPECT_EQ(split_dataset(toy(4, 1), 0.5, SplitBy::Image, 1).val.size(), 0);
}

TEST(Dataset, SplitByIdentityIsDisjointAndRenumbered) {
  const auto ds = toy(10, 3);
  const auto a = split_dataset(ds, 0.2, SplitBy::Identity, 3), b = split_dataset(ds, 0.2, SplitBy::Identity, 3);
  ASSERT_EQ(a.val.num_classes(), 2);
  ASSERT_EQ(a.train.num_classes(), 8);
  EXPECT_EQ(a.val.identities, b.val.identities);
  EXPECT_EQ(a.val.size(), 6);
  for (const auto& name : a.val.identities)
    EXPECT_EQ(std::count(a.train.identities.begin(), a.train.identities.end(), name), 0) << name;
  // Each part's labels name the identity folder of its files.
  for (const auto* part : {&a.val, &a.train})
    for (int64_t i = 0; i < part->size(); ++i) {
      const auto path = part->name(i);
      const auto label = part->samples[static_cast<std::size_t>(i)].label;
      ASSERT_LT(label, part->num_classes());
      EXPECT_EQ(path.substr(0, path.find('/')), part->identities[label]);
    }
}
