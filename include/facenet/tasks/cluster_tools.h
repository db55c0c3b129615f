#pragma once
// Torch-free entry point for `facenet cluster`: group photos' faces by person.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct ClusterOptions {
  std::string model;
  std::vector<std::string> inputs;  ///< folders (recursive) and/or image files, and video files
  std::string out;                  ///< output folder
  std::string method = "chinese-whispers";  ///< chinese-whispers | dbscan | agglomerative
  double threshold = 0;  ///< L2 distance (CW edge / DBSCAN eps / average-linkage cut); 0 = the model's
                         ///< calibrated threshold converted to L2
  int64_t iterations = 100;  ///< chinese whispers
  int64_t min_samples = 1;   ///< DBSCAN (1 = no noise, as davidsandberg's cluster.py default)
  uint64_t seed = 0;         ///< chinese whispers
  bool copy = false;         ///< copy the faces into the cluster folders instead of symlinking
  std::string labels;        ///< folder tree <identity>/<images> of known identities: a photo is <identity> when
                       ///< labels/<its folder name>/<its file name> exists, else by a file name unique in the tree
  int64_t batch_size = 64;
  int threads = 0;    ///< decode threads; 0 = all cores
  DetectArgs detect;  ///< with a detector the items are faces (cluster folders get the face crops)
  VideoArgs video;    ///< every Nth frame of a video, tracking
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
};

struct ClusterSummary {
  int64_t faces = 0, clusters = 0, noise = 0;
  int64_t without_face = 0;  ///< photos (and processed video frames) where the detector found no face
  int64_t video_frames = 0;  ///< video frames processed
  double threshold = 0;
  std::string table;  ///< human-readable lines (and the scores with --labels)
  std::string json_lines;  ///< one JSON line per face: {"source","face","box":[x,y,w,h],"cluster"}, a video's
                           ///< face with "frame", "seconds", "score" and "track"
};

/// Embeds every photo (the whole image is the face until detection is asked for), clusters the
/// L2 distance matrix with eval::chinese_whispers / dbscan / agglomerative_average and writes
/// out/clusters.csv (file,face,x,y,width,height,cluster; -1 = DBSCAN noise), out/cluster-NNN/ with a
/// symlink (or copy) of each face, out/noise/ for noise, and out/cluster-NNN.png contact sheets.
/// With labels: out/scores.json and the pairwise / BCubed scores in the table.
/// Videos: every face of every Nth frame is an item (a model trained on crops needs --detect);
/// their rows go to out/video_clusters.csv (video,frame,seconds,x,y,width,height,score,track,face,
/// cluster) and their crops, <video>_f<frame>_face<i>.png, into the cluster folders; clusters.csv
/// holds the photos' faces (written when photos are given).
ClusterSummary run_cluster(const ClusterOptions& options);

}  // namespace facenet::tasks
