// Inputs the annotation_fuzz harness found (tests/fuzz/crashes/annotation_fuzz), read through
// read_annotation as the harness does: each must end in a clean facenet::Error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "facenet/core/error.h"
#include "facenet/data/annotation_source.h"
#include "support/fuzz_input.h"

using namespace facenet;

TEST(AnnotationFuzzRegression, HugeLabelIsAnErrorNotAnAllocation) {
  const auto dir = std::filesystem::temp_directory_path() / "facenet-annotation-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "cls_train.txt").string();
  std::ofstream(path, std::ios::binary) << test::fuzz_input("annotation_fuzz", "huge-label");
  EXPECT_THROW(data::read_annotation(path), Error);
  std::ofstream(path, std::ios::binary) << "9223372036854775807;a/b.jpg\n";
  try {
    data::read_annotation(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":1: label 9223372036854775807 is too large"), std::string::npos) << e.what();
  }
  std::ofstream(path, std::ios::binary) << "16777215;a/b.jpg\n";  // the largest label still loads
  EXPECT_EQ(data::read_annotation(path).num_classes(), 16777216);
  std::filesystem::remove_all(dir);
}
