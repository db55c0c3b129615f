// Choosing the source from the config: annotation, else pack (data.rec, or a data.root holding
// train.rec), else folder tree; registered kinds first, a second registration replacing the first.
#include "facenet/data/source_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/data/file_source.h"
#include "facenet/data/folder_source.h"
#include "facenet/data/pack_writer.h"
#include "support/error_of.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;

TEST(SourceRegistry, AnnotationThenPackThenFolder) {
  TempDir dir;
  facenet::test::write_image(dir / "tree/alice/a1.png");
  facenet::test::write_image(dir / "tree/bob/b1.png");
  facenet::test::write_image(dir / "tree/bob/b2.png");
  const auto tree = (dir / "tree").string();
  write_pack(scan_folder(tree, {false, ""}), (dir / "pack").string());
  facenet::test::write_text(dir / "list.txt", "0;tree/bob/b1.png\n");

  DataConfig c;
  c.cache_index = false;
  c.root = tree;
  auto opened = open_source(c);
  EXPECT_EQ(opened.kind, "folder");
  EXPECT_EQ(opened.location, tree);
  EXPECT_TRUE(dynamic_cast<const FileSource*>(opened.source.get()));
  EXPECT_EQ(opened.source->size(), 3);

  c.root = (dir / "pack").string();  // a folder holding train.rec
  opened = open_source(c);
  EXPECT_EQ(opened.kind, "pack");
  EXPECT_EQ(opened.location, c.root);
  EXPECT_EQ(opened.source->name(0), c.root + "/train.rec#1");

  c.root = tree;
  c.rec = (dir / "pack/train.rec").string();  // data.rec before data.root
  opened = open_source(c);
  EXPECT_EQ(opened.kind, "pack");
  EXPECT_EQ(opened.location, c.rec);

  c.annotation = (dir / "list.txt").string();  // data.annotation before both
  opened = open_source(c);
  EXPECT_EQ(opened.kind, "annotation");
  EXPECT_EQ(opened.source->size(), 1);
  EXPECT_EQ(opened.source->name(0), (dir / "tree/bob/b1.png").string());

  EXPECT_NE(test::error_of([] { open_source(DataConfig{}); }).find("no dataset: set data.root"), std::string::npos);
  EXPECT_THROW(open_source(DataConfig{}), ConfigError);
}

TEST(SourceRegistry, RegisteredKindsComeFirstAndReplaceByName) {
  auto fixed = [](const std::string& root) {
    return SourceKind{"fixed", [root](const DataConfig& c) { return c.root == root ? c.root : std::string(); },
                      [](const std::string&, const DataConfig&) -> std::shared_ptr<const Source> {
                        return std::make_shared<FileSource>(FileList{{"only"}, {{"/x/only/1.png", 0}}});
                      }};
  };
  register_source(fixed("fixed:a"));
  DataConfig c;
  c.root = "fixed:a";
  EXPECT_EQ(open_source(c).kind, "fixed");
  // Registered again under the same name: the new one replaces the old, so "fixed:a" is a
  // folder root again (and a missing one).
  register_source(fixed("fixed:b"));
  const auto kinds = source_kinds();
  EXPECT_EQ(std::count_if(kinds.begin(), kinds.end(), [](const SourceKind& k) { return k.name == "fixed"; }), 1);
  EXPECT_EQ(kinds.back().name, "folder");
  EXPECT_NE(test::error_of([&] { open_source(c); }).find("dataset root 'fixed:a' does not exist"), std::string::npos);
  c.root = "fixed:b";
  EXPECT_EQ(open_source(c).source->name(0), "/x/only/1.png");

  EXPECT_NE(test::error_of([] { register_source({"nameless", nullptr, nullptr}); }).find("needs a name, a locate"),
            std::string::npos);
}

TEST(SourceRegistry, FileSourceRejectsALabelWithoutIdentity) {
  EXPECT_NE(test::error_of([] { FileSource({{"a"}, {{"/x/a/1.png", 0}, {"/x/b/2.png", 1}}}); })
                .find("'/x/b/2.png' has label 1, beyond the 1 identities"),
            std::string::npos);
}
