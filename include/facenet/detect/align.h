#pragma once
// `facenet align`, as davidsandberg's align_dataset_mtcnn.py prepares a dataset: detect the faces
// of each image of a tree, keep the one it keeps (central_face: large and central), crop it by a
// crop rule (his: margin/2 source pixels per side, clipped to the image) and write the same tree
// at size x size. His two conventions: `--margin 44 --size 182` for training sets (then 160 px
// centre crops while training), `--margin 32 --size 160` for LFW.
//
// Resumable: an image whose output exists is skipped ("already aligned"); every output is written
// atomically, so a killed run leaves no half-written image, and the next run goes on where it
// stopped. Next to the output: bounding_boxes.txt (align_boxes.h; one line per face written,
// across runs) and align.json (the crop rule: the data.crop to train with).
#include <cstdint>
#include <string>

#include "facenet/core/config.h"
#include "facenet/detect/detector.h"

namespace facenet::detect {

enum class NoFaceAction { Skip, Center };

struct AlignOptions {
  std::string input;
  std::string output;
  int64_t size = 160;
  int64_t margin = 32;
  CropRule rule = CropRule::Margin;  ///< margin (davidsandberg) | facenet_pytorch | 5point
  NoFaceAction no_face = NoFaceAction::Skip;
  /// The outputs' format by extension ("png", "jpg", ...); "" = the input's. davidsandberg writes
  /// PNG: re-encoding crops as JPEG changes what the network sees (README, `facenet align`).
  std::string ext;
  DetectOptions detect;  ///< mtcnn by default; every face is asked for, central_face picks one
  /// Threads, each with its own detector running LibTorch on one thread; 0 = all cores.
  int64_t threads = 0;
};

struct AlignStats {
  int64_t images = 0;           ///< listed under the input
  int64_t already_aligned = 0;  ///< skipped: their output existed
  int64_t faces = 0;            ///< written from a detection
  int64_t no_face = 0;          ///< without a detection (skipped or centre-cropped)
  int64_t centre_crops = 0;     ///< written by --no-face center
  int64_t unreadable = 0;
  double seconds = 0;           ///< wall time of detection and writing (after loading the detector)
  /// Images processed (not already aligned) per second.
  double rate() const { return seconds > 0 ? static_cast<double>(images - already_aligned) / seconds : 0; }
};

/// Aligns every image under options.input (recursively, keeping relative paths and file names,
/// the extension replaced by options.ext when given).
/// Writes output/align.json ({"rule": ..., "margin": M, "detector": ..., "size": S, "no_face":
/// "skip"|"center"}) first, and output/bounding_boxes.txt. Logs a progress line with rate and
/// ETA and a summary line. Throws facenet::Error for a missing input folder or detector model,
/// and for an output aligned before with other options (align.json differs).
AlignStats align_dataset(const AlignOptions& options);

/// One line: "N images: F faces, M without a face (skipped|centre-cropped), U unreadable,
/// A already aligned; R images/s".
std::string format_stats(const AlignStats& stats, NoFaceAction no_face);

}  // namespace facenet::detect
