// `facenet embed / identify --video / cluster` on a generated video: two synthetic faces (that
// Haar finds) moving a few pixels a frame, a cut copy of it, and a text file named .mp4.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>
#include <set>

#include <fmt/format.h>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/fs.h"
#include "facenet/data/image_io.h"
#include "facenet/data/synth.h"
#include "facenet/detect/detector.h"
#include "facenet/detect/video.h"
#include "facenet/models/facenet.h"
#include "support/cli_runner.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {

constexpr int kFrames = 8, kWidth = 320, kHeight = 160, kFace = 100, kStep = 3;
constexpr double kFps = 10;

struct Setup {
  std::string dir, model, video, people;
  bool ok = false;  ///< Haar found both faces in every frame
  std::string why;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t p = 0, q; (q = text.find('\n', p)) != std::string::npos; p = q + 1) lines.push_back(text.substr(p, q - p));
  return lines;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  size_t p = 0;
  for (size_t q; (q = line.find(',', p)) != std::string::npos; p = q + 1) out.push_back(line.substr(p, q - p));
  out.push_back(line.substr(p));
  return out;
}

// Face A (left) moves right and face B (right) moves left, kStep px a frame, on grey.
cv::Mat frame_of(const cv::Mat& a, const cv::Mat& b, int i) {
  cv::Mat frame(kHeight, kWidth, CV_8UC3, cv::Scalar(200, 200, 200));
  a.copyTo(frame(cv::Rect(10 + kStep * i, 30, kFace, kFace)));
  b.copyTo(frame(cv::Rect(kWidth - kFace - 10 - kStep * i, 30, kFace, kFace)));
  return frame;
}

std::string write_video(const std::string& path, const cv::Mat& a, const cv::Mat& b) {
  cv::VideoWriter w(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kFps, {kWidth, kHeight});
  if (!w.isOpened()) return "cannot write " + path;
  for (int i = 0; i < kFrames; ++i) w.write(frame_of(a, b, i));
  return "";
}

// Two synthetic identities Haar finds, once each, in every decoded frame of the video.
const Setup& setup() {
  static const Setup s = [] {
    Setup x;
    x.dir = (fs::temp_directory_path() / ("facenet_cli_video_" + std::to_string(::getpid()))).string();
    fs::remove_all(x.dir);
    fs::create_directories(x.dir);
    torch::manual_seed(3);
    facenet::Config config;
    config.model.embedding_size = 16;
    config.data.preprocess.image_size = 64;
    auto model = facenet::models::make_model(config.model);
    facenet::TrainingState state;
    state.threshold_at_far = 1e-3;
    x.model = x.dir + "/model.ckpt";
    facenet::save_checkpoint(x.model, {config, state, 0, *model});
    if (!fs::exists(facenet::detect::default_haar_cascade())) {
      x.why = "opencv-data not installed";
      return x;
    }
    facenet::detect::DetectOptions haar;
    haar.detector = facenet::FaceDetector::Haar;
    facenet::detect::FaceFinder finder(haar);
    x.video = x.dir + "/two.avi";
    // A face for each side that Haar finds alone at every place of its path, then a pair whose
    // every decoded (MJPG) frame gives exactly one face per half.
    const cv::Mat none(kFace, kFace, CV_8UC3, cv::Scalar(200, 200, 200));
    auto found_alone = [&](const cv::Mat& a, const cv::Mat& b) {
      for (int i = 0; i < kFrames; ++i)
        if (finder.detect(frame_of(a, b, i)).size() != 1) return false;
      return true;
    };
    std::vector<cv::Mat> lefts, rights;
    for (int64_t id = 0; id < 40 && (lefts.size() < 3 || rights.size() < 3); ++id) {
      cv::Mat face;
      facenet::data::render_synth_face(3, 0, id, 0, kFace, face);
      if (lefts.size() < 3 && found_alone(face, none)) lefts.push_back(face);
      else if (rights.size() < 3 && found_alone(none, face)) rights.push_back(face);
    }
    for (size_t i = 0; i < lefts.size() && !x.ok; ++i)
      for (size_t j = 0; j < rights.size() && !x.ok; ++j) {
        x.why = write_video(x.video, lefts[i], rights[j]);
        if (!x.why.empty()) return x;
        facenet::detect::VideoReader reader(x.video);
        facenet::detect::VideoFrame frame;
        bool both = true;
        while (both && reader.next(frame)) {
          const auto f = finder.detect(frame.bgr);
          both = f.size() == 2 && std::min(f[0].box.x, f[1].box.x) < kWidth / 2 &&
                 std::max(f[0].box.x, f[1].box.x) >= kWidth / 2;
        }
        if (!both) continue;
        // The gallery: each face alone on the grey of frame 0's half (people/alice, people/bob).
        x.people = x.dir + "/people";
        cv::Mat alice = frame_of(lefts[i], none, 0)(cv::Rect(0, 0, kWidth / 2, kHeight));
        cv::Mat bob = frame_of(none, rights[j], 0)(cv::Rect(kWidth / 2, 0, kWidth / 2, kHeight));
        facenet::data::write_image(x.people + "/alice/0.png", alice);
        facenet::data::write_image(x.people + "/bob/0.png", bob);
        x.ok = true;
      }
    if (!x.ok) x.why = "Haar did not find two synthetic faces in every frame";
    return x;
  }();
  static const struct Remove {
    std::string dir;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove{s.dir};
  return s;
}

// Rows of a CSV file (a header line first where `header`), split at commas.
std::vector<std::vector<std::string>> rows_of(const std::string& path, bool header) {
  std::vector<std::vector<std::string>> rows;
  const auto lines = lines_of(facenet::read_file(path));
  for (size_t i = header ? 1 : 0; i < lines.size(); ++i) rows.push_back(fields(lines[i]));
  return rows;
}

// Checks the leading columns video,frame,seconds,x,y,width,height,score,track of a video's rows:
// two faces in each of `frames`, timestamps frame / fps, and one track per side of the frame.
void expect_video_rows(const std::vector<std::vector<std::string>>& rows, const std::string& video,
                       const std::vector<int>& frames) {
  ASSERT_EQ(rows.size(), 2 * frames.size());
  std::map<int, int> per_frame;
  std::set<std::string> left_tracks, right_tracks;
  for (const auto& r : rows) {
    ASSERT_GE(r.size(), 9u);
    EXPECT_EQ(r[0], video);
    const int frame = std::stoi(r[1]);
    ++per_frame[frame];
    EXPECT_EQ(r[2], fmt::format("{:.3f}", frame / kFps)) << "frame " << frame;
    const double x = std::stod(r[3]), width = std::stod(r[5]);
    EXPECT_GT(width, kFace / 2);  // the cascade's box of a face drawn at kFace px
    EXPECT_GT(std::stod(r[7]), 0);
    (x + width / 2 < kWidth / 2 ? left_tracks : right_tracks).insert(r[8]);
  }
  std::map<int, int> want;
  for (int f : frames) want[f] = 2;
  EXPECT_EQ(per_frame, want);
  // Each face keeps one track id across the frames, and the two ids are 0 and 1.
  ASSERT_EQ(left_tracks.size(), 1u);
  ASSERT_EQ(right_tracks.size(), 1u);
  EXPECT_EQ((std::set<std::string>{*left_tracks.begin(), *right_tracks.begin()}), (std::set<std::string>{"0", "1"}));
}

bool is_left(const std::vector<std::string>& row) { return std::stod(row[3]) + std::stod(row[5]) / 2 < kWidth / 2; }

}  // namespace

TEST(VideoCli, EmbedWritesARowPerFaceWithFrameTimeBoxAndTrack) {
  const auto& s = setup();
  if (!s.ok) GTEST_SKIP() << s.why;
  const auto out = s.dir + "/faces.csv";
  auto r = run_cli("embed " + s.video + " --model " + s.model + " --detect haar --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("embedded 16 faces from 8 frames of 1 videos (every 1; detector haar, crop margin); 2 tracks, "
                          "0 frames without a face"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("8/8 frames, 16 faces"), std::string::npos) << r.output;  // the progress line
  auto rows = rows_of(out, false);
  expect_video_rows(rows, s.video, {0, 1, 2, 3, 4, 5, 6, 7});
  for (const auto& row : rows) EXPECT_EQ(row.size(), 9u + 16u);  // the 16-d embedding after the leading columns
  // Every 3rd frame: 0, 3, 6 (a face moves 9 px between them and keeps its track).
  r = run_cli("embed " + s.video + " --model " + s.model + " --detect haar --every 3 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  expect_video_rows(rows_of(out, false), s.video, {0, 3, 6});
  // A bare --detect is MTCNN, before another option or last (MTCNN misses drawn faces; its Haar
  // fallback finds them).
  for (const std::string args : {" --detect --every 4 --out " + out, " --every 4 --out " + out + " --detect"}) {
    r = run_cli("embed " + s.video + " --model " + s.model + args);
    ASSERT_EQ(r.code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("from 2 frames of 1 videos (every 4; detector mtcnn, crop margin)"), std::string::npos)
        << r.output;
  }
  // --every 0 is a one-line usage error; so is mixing images with videos.
  r = run_cli("embed " + s.video + " --model " + s.model + " --detect haar --every 0 --out " + out);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("error: --every: must be >= 1 (got 0)"), std::string::npos) << r.output;
  r = run_cli("embed " + s.video + " " + s.people + " --model " + s.model + " --detect haar --out " + out);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("give images or videos, not both"), std::string::npos) << r.output;
  // A model trained on crops (no detector in its metadata) needs --detect for a video.
  r = run_cli("embed " + s.video + " --model " + s.model + " --out " + out);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("embed: video '" + s.video + "': the model was trained on face crops"), std::string::npos)
      << r.output;
}

TEST(VideoCli, IdentifyNamesEachFaceVotesAlongTracksAndDrawsTheVideo) {
  const auto& s = setup();
  if (!s.ok) GTEST_SKIP() << s.why;
  const auto gallery = s.dir + "/g.fgal";
  auto r = run_cli("enroll --model " + s.model + " --detect haar --gallery " + s.people + " --out " + gallery);
  ASSERT_EQ(r.code, 0) << r.output;
  // The untrained model stores threshold 0.001: every face is unknown, but the nearest identity
  // is still named; at 0.5 the faces are known and each track votes for its person.
  const auto annotated = s.dir + "/annotated.mp4";
  r = run_cli("identify --gallery " + gallery + " --video " + s.video + " --detect haar --vote --threshold 0.5 --out " +
              annotated);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("8 frames read, 8 processed (every 1), 16 faces in 2 tracks (detector haar)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("frames 0-7 (0.00-0.70 s), 8 faces: alice"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("frames 0-7 (0.00-0.70 s), 8 faces: bob"), std::string::npos) << r.output;
  const auto csv = s.dir + "/annotated.csv";  // beside --out
  EXPECT_EQ(lines_of(facenet::read_file(csv))[0],
            "video,frame,seconds,x,y,width,height,score,track,identity,distance,unknown,track_identity");
  auto rows = rows_of(csv, true);
  expect_video_rows(rows, s.video, {0, 1, 2, 3, 4, 5, 6, 7});
  int named = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 13u);
    const auto person = is_left(row) ? "alice" : "bob";
    named += row[9] == person;
    EXPECT_LT(std::stod(row[10]), 0.5);
    EXPECT_EQ(row[11], "0");
    EXPECT_EQ(row[12], person);  // the track's vote
  }
  EXPECT_GE(named, 12) << "the nearest identity of most faces is their person";
  {  // the annotated video: every frame of the input, its size
    facenet::detect::VideoReader video(annotated);
    EXPECT_EQ(video.size(), cv::Size(kWidth, kHeight));
    facenet::detect::VideoFrame frame;
    int n = 0;
    while (video.next(frame)) ++n;
    EXPECT_EQ(n, kFrames);
  }
  EXPECT_NE(r.output.find("wrote " + annotated + " (8 frames)"), std::string::npos) << r.output;

  // The model's threshold, every 2nd frame, --json: one line per face, unknown, its nearest identity named.
  r = run_cli("identify --gallery " + gallery + " --video " + s.video + " --detect haar --every 2 --json --csv " + s.dir +
              "/every2.csv");
  ASSERT_EQ(r.code, 0) << r.output;
  int lines = 0;
  for (const auto& line : lines_of(r.output)) {
    if (line.rfind("{", 0) != 0) continue;
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["frame"].get<int>() % 2, 0);
    EXPECT_EQ(j["unknown"], true);
    EXPECT_TRUE(j["identity"] == "alice" || j["identity"] == "bob") << line;
    EXPECT_FALSE(j.contains("track_identity"));
    ++lines;
  }
  EXPECT_EQ(lines, 8);
  expect_video_rows(rows_of(s.dir + "/every2.csv", true), s.video, {0, 2, 4, 6});
  EXPECT_FALSE(fs::exists(s.dir + "/every2.mp4"));

  // Usage errors: one line each, exit 2.
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {" --video " + s.video + " --every 0", "error: --every: must be >= 1 (got 0)"},
           {" --video " + s.video + " --out " + s.dir + "/a.gif", "the output must end in .mp4"},
           {" --video " + s.video + " --probe " + s.people + "/bob/0.png", "excludes"},
           {" --probe " + s.people + "/bob/0.png --vote", "requires --video"},
           {"", "give --probe PHOTO or --video VIDEO"}}) {
    r = run_cli("identify --gallery " + gallery + " --detect haar" + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
  }
}

TEST(VideoCli, ACutVideoGivesTheFramesBeforeTheCutAndATextFileIsAClearError) {
  const auto& s = setup();
  if (!s.ok) GTEST_SKIP() << s.why;
  const auto cut = s.dir + "/cut.avi";
  fs::copy_file(s.video, cut, fs::copy_options::overwrite_existing);
  fs::resize_file(cut, fs::file_size(s.video) / 2);
  const auto out = s.dir + "/cut.csv";
  auto r = run_cli("embed " + cut + " --model " + s.model + " --detect haar --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto at = r.output.find("does not decode (cut or damaged file?): read ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const int read = std::stoi(r.output.substr(at + 45));
  EXPECT_NE(r.output.find(fmt::format("read {} of the 8 frames", read)), std::string::npos) << r.output;
  EXPECT_GT(read, 1);
  EXPECT_LT(read, kFrames);
  int last = -1;
  for (const auto& row : rows_of(out, false)) last = std::max(last, std::stoi(row[1]));
  EXPECT_EQ(last, read - 1);

  const auto fake = s.dir + "/notes.MP4";
  std::ofstream(fake) << "a text file, not a video\n";
  r = run_cli("embed " + fake + " --model " + s.model + " --detect haar --out " + out);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error: video '" + fake + "': cannot be opened as a video"), std::string::npos) << r.output;
}

TEST(VideoCli, ClusterTakesEveryFaceOfAVideoWithItsFrameTrackAndCrop) {
  const auto& s = setup();
  if (!s.ok) GTEST_SKIP() << s.why;
  const auto album = s.dir + "/album";
  auto r = run_cli("cluster " + s.people + " " + s.video + " --model " + s.model + " --detect haar --every 2 " +
                   "--threshold 0.25 --out " + album);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("detector haar: 10 faces in 2 photos and 4 frames of 1 videos, 0 without a face"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(lines_of(facenet::read_file(album + "/clusters.csv")).size(), 3u);  // the header and the 2 photos
  EXPECT_EQ(lines_of(facenet::read_file(album + "/video_clusters.csv"))[0],
            "video,frame,seconds,x,y,width,height,score,track,face,cluster");
  const auto rows = rows_of(album + "/video_clusters.csv", true);
  expect_video_rows(rows, s.video, {0, 2, 4, 6});
  // The untrained model still puts each person's photo with their track: 2 clusters, one per track.
  EXPECT_NE(r.output.find("10 faces -> 2 clusters"), std::string::npos) << r.output;
  std::map<std::string, std::set<std::string>> clusters_of_track;
  for (const auto& row : rows) clusters_of_track[row[8]].insert(row[10]);
  EXPECT_EQ(clusters_of_track["0"].size(), 1u);
  EXPECT_EQ(clusters_of_track["1"].size(), 1u);
  EXPECT_NE(clusters_of_track["0"], clusters_of_track["1"]);
  // Each video face's crop lies in its cluster's folder, named as a photo's face is (the path as
  // given, '/' -> '_', its stem) with its frame and face index.
  auto flat = fs::path(s.video).replace_extension().string();
  std::replace(flat.begin(), flat.end(), '/', '_');
  int crops = 0;
  for (const auto& row : rows) {
    const auto file =
        fmt::format("{}/cluster-{:03d}/{}_f{}_face{}.png", album, std::stoi(row[10]), flat, row[1], row[9]);
    EXPECT_TRUE(fs::is_regular_file(file)) << file;
    crops += fs::is_regular_file(file);
  }
  EXPECT_EQ(crops, 8);
}
