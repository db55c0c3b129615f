// `facenet align` as a library: crop geometry (davidsandberg's margin, his face choice), the
// no-face paths, resuming, bounding_boxes.txt and, on a drawn face, detection with Debian's Haar
// cascade.
#include "facenet/detect/align.h"
#include "facenet/detect/crop.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/synth.h"

using namespace facenet;
using namespace facenet::data;
using namespace facenet::detect;
using facenet::test::TempDir;
namespace fs = std::filesystem;

TEST(Align, MarginBoxAddsHalfTheMarginPerSideAndClips) {
  const auto b = margin_box({50, 60, 100, 80}, 32, 250, 250);
  EXPECT_EQ(b.x, 34);
  EXPECT_EQ(b.y, 44);
  EXPECT_EQ(b.width, 132);
  EXPECT_EQ(b.height, 112);
  const auto edge = margin_box({5, 10, 100, 100}, 44, 110, 300);  // clipped left, top and right
  EXPECT_EQ(edge.x, 0);
  EXPECT_EQ(edge.y, 0);
  EXPECT_EQ(edge.width, 110);
  EXPECT_EQ(edge.height, 132);
}

TEST(Align, CentreBoxIsTheMiddleSquare) {
  const auto b = centre_box(250, 200);
  EXPECT_EQ(b.x, 25);
  EXPECT_EQ(b.y, 0);
  EXPECT_EQ(b.width, 200);
  EXPECT_EQ(b.height, 200);
}

TEST(Align, MarginBoxTruncatesAsDavidsandbergsInt32Box) {
  // align_dataset_mtcnn.py: bb = int32([max(x1 - m/2, 0), max(y1 - m/2, 0), min(x2 + m/2, w),
  // min(y2 + m/2, h)]); the crop is img[bb1:bb3, bb0:bb2], so width = bb2 - bb0.
  // LFW's convention, margin 32: x1 60.9 -> 44.9 -> 44; y1 70.5 -> 54.5 -> 54;
  // x2 160.7 + 16 = 176.7 -> 176; y2 190.8 + 16 = 206.8 -> 206.
  auto b = margin_box({60.9f, 70.5f, 99.8f, 120.3f}, 32, 250, 250);
  EXPECT_EQ(b.x, 44);
  EXPECT_EQ(b.y, 54);
  EXPECT_EQ(b.width, 176 - 44);
  EXPECT_EQ(b.height, 206 - 54);
  // The training convention, margin 44 (22 per side): x1 10.7 - 22 < 0 -> 0; y1 20.2 - 22 < 0 -> 0;
  // x2 111.3 + 22 = 133.3 -> 133; y2 141.1 + 22 = 163.1 -> 163.
  b = margin_box({10.7f, 20.2f, 100.6f, 120.9f}, 44, 250, 250);
  EXPECT_EQ(b.x, 0);
  EXPECT_EQ(b.y, 0);
  EXPECT_EQ(b.width, 133);
  EXPECT_EQ(b.height, 163);
  // An odd margin is half a pixel per side: 50 - 16.5 = 33.5 -> 33; 150 + 16.5 = 166.5 -> 166.
  b = margin_box({50, 50, 100, 100}, 33, 250, 250);
  EXPECT_EQ(b.x, 33);
  EXPECT_EQ(b.width, 166 - 33);
  // MTCNN boxes reach outside the image: x1 -5.5 - 16 -> 0; x2 240.25 + 16 = 256.25 -> min(.., 250).
  b = margin_box({-5.5f, 100, 245.75f, 50}, 32, 250, 200);
  EXPECT_EQ(b.x, 0);
  EXPECT_EQ(b.width, 250);
  EXPECT_EQ(b.y, 84);
  EXPECT_EQ(b.height, 166 - 84);
}

TEST(Align, CentralFaceWeighsSizeAgainstDistanceFromTheCentre) {
  // 250x250 image, centre (125, 125). A: 100x100 at the left edge, centre (50, 125): 10000 - 2 *
  // 75^2 = -1250. B: 80x80 centred at (125, 135): 6400 - 2 * 10^2 = 6200. B wins although smaller.
  std::vector<Face> faces(2);
  faces[0].box = {0, 75, 100, 100};
  faces[1].box = {85, 95, 80, 80};
  EXPECT_EQ(central_face(faces, {250, 250}), 1);
  // A 160x160 face at the same edge: 25600 - 2 * 45^2 (centre (80, 125)) = 21550 > 6200.
  faces[0].box = {0, 45, 160, 160};
  EXPECT_EQ(central_face(faces, {250, 250}), 0);
  EXPECT_EQ(central_face({}, {250, 250}), -1);
}

TEST(Align, CropBoxIsTheRectangleEachRuleCuts) {
  const cv::Mat img(200, 250, CV_8UC3, cv::Scalar(0, 0, 0));
  Face f;
  f.box = {60.9f, 70.5f, 99.8f, 120.3f};
  CropConfig crop;
  crop.rule = CropRule::Margin;
  crop.margin = 32;
  auto b = crop_box(img, f, crop, 160);
  EXPECT_EQ(b.x, 44);
  EXPECT_EQ(b.y, 54);
  EXPECT_EQ(b.x + b.width, 176);
  EXPECT_EQ(b.y + b.height, 200);  // clipped at the bottom
  // facenet_pytorch, margin 20 of 160 output pixels: each side grows by 10 * box / 140;
  // x: 60.9 - 10 * 99.8 / 140 = 53.77 -> 53, x2: 160.7 + 7.13 = 167.83 -> 167.
  crop.rule = CropRule::FacenetPytorch;
  crop.margin = 20;
  b = crop_box(img, f, crop, 160);
  EXPECT_EQ(b.x, 53);
  EXPECT_EQ(b.x + b.width, 167);
  // none: the bare box in whole pixels (cv::Rect rounds), inside the image.
  crop.rule = CropRule::None;
  b = crop_box(img, f, crop, 160);
  EXPECT_EQ(b.x, 61);
  EXPECT_EQ(b.y, 70);  // 70.5 rounds to even
  EXPECT_EQ(b.width, 100);
}

TEST(Align, NoFaceSkipsOrCentreCrops) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  TempDir in, skip_out, centre_out;
  // A blank image with a white centre square: no face; the centre crop is exactly that square.
  cv::Mat img(100, 160, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(30, 0, 100, 100)).setTo(cv::Scalar(255, 255, 255));
  fs::create_directories(in / "person");
  cv::imwrite((in / "person/p_0001.png").string(), img);
  facenet::test::write_text(in / "person/broken.jpg", "not an image");
  facenet::test::write_text(in / "person/notes.txt", "ignored");

  AlignOptions o;
  o.input = in.str();
  o.output = skip_out.str();
  o.size = 40;
  auto s = align_dataset(o);
  EXPECT_EQ(s.images, 2);
  EXPECT_EQ(s.faces, 0);
  EXPECT_EQ(s.no_face, 1);
  EXPECT_EQ(s.unreadable, 1);
  EXPECT_FALSE(fs::exists(skip_out / "person/p_0001.png"));
  // davidsandberg's line for an image without a face: its output path alone.
  EXPECT_EQ(read_file((skip_out / "bounding_boxes.txt").string()), "person/p_0001.png\n");
  // Without an output it is tried again by the next run (as his script does), listed once.
  s = align_dataset(o);
  EXPECT_EQ(s.already_aligned, 0);
  EXPECT_EQ(s.no_face, 1);
  EXPECT_EQ(read_file((skip_out / "bounding_boxes.txt").string()), "person/p_0001.png\n");

  o.output = centre_out.str();
  o.no_face = NoFaceAction::Center;
  s = align_dataset(o);
  EXPECT_EQ(s.centre_crops, 1);
  const auto out = cv::imread((centre_out / "person/p_0001.png").string());
  ASSERT_EQ(out.cols, 40);
  ASSERT_EQ(out.rows, 40);
  EXPECT_EQ(cv::countNonZero(out.reshape(1) != 255), 0) << "centre square is all white";
  EXPECT_EQ(read_file((centre_out / "bounding_boxes.txt").string()), "person/p_0001.png\n");
  EXPECT_EQ(align_dataset(o).already_aligned, 1);
}

TEST(Align, MissingInputOrModelIsAnError) {
  AlignOptions o;
  o.input = "/nonexistent/facenet_align";
  o.output = "/tmp/x";
  EXPECT_THROW(align_dataset(o), Error);
  TempDir in;
  o.input = in.str();
  o.detect.detector = FaceDetector::YuNet;
  EXPECT_THROW(align_dataset(o), Error);  // no --model
  o.detect.model = "/nonexistent/yunet.onnx";
  EXPECT_THROW(align_dataset(o), Error);
}

TEST(Align, HaarDetectsSynthFacesAndCropsThem) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  // The cascade finds about half of the drawn faces (pose, occlusion and blur vary); over
  // 12 images a handful must be found, and each found one written at the output size.
  TempDir in, out;
  for (int i = 0; i < 12; ++i) {
    cv::Mat img;
    render_synth_face(1, 0, i, 0, 160, img);
    fs::create_directories(in / ("p" + std::to_string(i)));
    cv::imwrite((in / ("p" + std::to_string(i)) / "a.png").string(), img);
  }
  AlignOptions o;
  o.input = in.str();
  o.output = out.str();
  o.size = 48;
  o.margin = 16;
  o.detect.detector = FaceDetector::Haar;
  const auto s = align_dataset(o);
  EXPECT_EQ(s.images, 12);
  EXPECT_EQ(s.faces + s.no_face, 12);
  EXPECT_GE(s.faces, 3);
  int written = 0;
  for (const auto& e : fs::recursive_directory_iterator(out / ""))
    if (e.is_regular_file() && e.path().extension() == ".png") {
      ++written;
      const auto img = cv::imread(e.path().string());
      EXPECT_EQ(img.cols, 48);
      EXPECT_EQ(img.rows, 48);
    }
  EXPECT_EQ(written, s.faces);
  const auto record = nlohmann::json::parse(read_file((out / "align.json").string()));
  EXPECT_EQ(record, nlohmann::json::parse(
                        R"({"rule": "margin", "margin": 16, "detector": "haar", "size": 48, "no_face": "skip"})"));
  // One line per face written: davidsandberg's margin box around what the cascade found there.
  std::istringstream boxes(read_file((out / "bounding_boxes.txt").string()));
  int lines = 0, missed = 0;
  for (std::string line; std::getline(boxes, line);) {
    std::istringstream fields(line);
    std::string path;
    int x1, y1, x2, y2;
    fields >> path;
    if (!(fields >> x1 >> y1 >> x2 >> y2)) {  // a photo without a face: its path alone
      EXPECT_EQ(line, path);
      EXPECT_FALSE(fs::exists(out / path));
      ++missed;
      continue;
    }
    ++lines;
    cv::Mat img;
    render_synth_face(1, 0, std::stoi(path.substr(1, path.find('/') - 1)), 0, 160, img);
    DetectOptions haar;
    haar.detector = FaceDetector::Haar;
    const auto found = detect_faces(img, haar);
    ASSERT_FALSE(found.empty()) << path;
    const auto b = margin_box(found[static_cast<size_t>(central_face(found, img.size()))].box, 16, 160, 160);
    EXPECT_EQ(x1, b.x) << path;
    EXPECT_EQ(y1, b.y) << path;
    EXPECT_EQ(x2, b.x + b.width) << path;
    EXPECT_EQ(y2, b.y + b.height) << path;
  }
  EXPECT_EQ(missed, s.no_face);
  EXPECT_EQ(lines, s.faces);
}

namespace {

// in/<person>/<n>.png of sizes w x h (no detector needed: --detect none), a broken image and a
// text file.
void write_tree(const fs::path& in) {
  facenet::test::write_image(in / "ann/0.png", 60, 40);
  facenet::test::write_image(in / "ann/1.png", 50, 50);
  facenet::test::write_image(in / "bob/0.png", 30, 70);
  facenet::test::write_text(in / "bob/broken.jpg", "not an image");
  facenet::test::write_text(in / "bob/notes.txt", "ignored");
}

AlignOptions whole_image_options(const TempDir& in, const TempDir& out) {
  AlignOptions o;
  o.input = in.str();
  o.output = out.str();
  o.size = 24;
  o.margin = 32;
  o.detect.detector = FaceDetector::None;
  o.threads = 2;
  return o;
}

}  // namespace

TEST(Align, BoxesFileListsTheWholeImageWithDetectorNone) {
  TempDir in, out;
  write_tree(in.str());
  const auto s = align_dataset(whole_image_options(in, out));
  EXPECT_EQ(s.images, 4);
  EXPECT_EQ(s.faces, 3);
  EXPECT_EQ(s.unreadable, 1);
  EXPECT_EQ(s.already_aligned, 0);
  // The face is the whole image; the margin grows it past the edges, clipped back to them.
  EXPECT_EQ(read_file((out / "bounding_boxes.txt").string()),
            "ann/0.png 0 0 60 40\n"
            "ann/1.png 0 0 50 50\n"
            "bob/0.png 0 0 30 70\n");
  EXPECT_FALSE(fs::exists(out / "bob/broken.jpg"));
  EXPECT_EQ(cv::imread((out / "bob/0.png").string()).size(), cv::Size(24, 24));
}

TEST(Align, ASecondRunSkipsWhatIsAlignedAndWritesNothingNew) {
  TempDir in, out;
  write_tree(in.str());
  const auto o = whole_image_options(in, out);
  align_dataset(o);
  const auto boxes = read_file((out / "bounding_boxes.txt").string());
  // A marker in one output: a second run must leave it as it is.
  write_file_atomic((out / "ann/0.png").string(), "marker");
  auto s = align_dataset(o);
  EXPECT_EQ(s.already_aligned, 3);
  EXPECT_EQ(s.faces, 0);
  EXPECT_EQ(s.unreadable, 1);  // still tried: it has no output
  EXPECT_EQ(read_file((out / "ann/0.png").string()), "marker");
  EXPECT_EQ(read_file((out / "bounding_boxes.txt").string()), boxes);

  // A new image is aligned and joins the file in its sorted place.
  facenet::test::write_image(in / "ann/2.png", 20, 30);
  s = align_dataset(o);
  EXPECT_EQ(s.faces, 1);
  EXPECT_EQ(s.already_aligned, 3);
  EXPECT_EQ(read_file((out / "bounding_boxes.txt").string()),
            "ann/0.png 0 0 60 40\nann/1.png 0 0 50 50\nann/2.png 0 0 20 30\nbob/0.png 0 0 30 70\n");
}

TEST(Align, AKilledRunIsCompletedConsistently) {
  // What a run killed mid-way leaves: a face line appended whose image never reached its name
  // (the line is written first), a duplicate line, and a half-written temporary of a process that
  // no longer runs.
  TempDir in, out;
  write_tree(in.str());
  const auto o = whole_image_options(in, out);
  align_dataset(o);
  fs::remove(out / "bob/0.png");
  {
    std::ofstream boxes((out / "bounding_boxes.txt").string(), std::ios::app);
    boxes << "bob/0.png 0 0 30 70\nann/1.png 0 0 50 50\n";
  }
  pid_t dead = 0;
  for (pid_t p = 999999; p > 2; --p)
    if (::kill(p, 0) != 0 && errno == ESRCH) {
      dead = p;
      break;
    }
  const auto partial = out / ("bob/0.png.tmp-" + std::to_string(dead));
  facenet::test::write_text(partial, "half an image");
  const auto s = align_dataset(o);
  EXPECT_EQ(s.faces, 1);
  EXPECT_EQ(s.already_aligned, 2);
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_EQ(cv::imread((out / "bob/0.png").string()).size(), cv::Size(24, 24));
  EXPECT_EQ(read_file((out / "bounding_boxes.txt").string()),
            "ann/0.png 0 0 60 40\nann/1.png 0 0 50 50\nbob/0.png 0 0 30 70\n");
  // No temporaries left behind by a finished run.
  for (const auto& e : fs::recursive_directory_iterator(out.str()))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(Align, ResumingWithOtherOptionsIsAnError) {
  TempDir in, out;
  write_tree(in.str());
  auto o = whole_image_options(in, out);
  align_dataset(o);
  o.margin = 44;
  o.size = 182;
  try {
    align_dataset(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was aligned with"), std::string::npos) << e.what();
  }
}

TEST(Align, ExtChoosesTheOutputFormat) {
  TempDir in, out;
  facenet::test::write_image(in / "ann/0.jpg", 40, 30);
  auto o = whole_image_options(in, out);
  o.ext = "png";  // davidsandberg's: lossless
  EXPECT_EQ(align_dataset(o).faces, 1);
  EXPECT_EQ(cv::imread((out / "ann/0.png").string()).size(), cv::Size(24, 24));
  EXPECT_FALSE(fs::exists(out / "ann/0.jpg"));
  EXPECT_EQ(read_file((out / "bounding_boxes.txt").string()), "ann/0.png 0 0 40 30\n");
  EXPECT_EQ(align_dataset(o).already_aligned, 1);
  o.ext = "txt";
  EXPECT_THROW(align_dataset(o), Error);
}
