#pragma once
// The crop rules that turn a detected face into a network input (CropConfig in core/config.h):
// - `margin`: davidsandberg's align_dataset_mtcnn: the box grown by margin/2 *input* pixels per
//   side, clipped to the image, truncated to whole pixels, resized to the input size (for example
//   margin 32 to 160 px for LFW; margin 44 to 182 px, then a 160 px centre crop, for training);
// - `facenet_pytorch`: facenet-pytorch's extract_face: the margin is in *output* pixels, so each
//   side grows by margin/2 * box/(size - margin); the crop is resized with PIL's bilinear filter;
// - `5point`: insightface's norm_crop: the similarity transform of the 5 landmarks onto the
//   ArcFace template, scaled to the input size;
// - `none`: the whole image, resized.
#include <cstdint>

#include <opencv2/core.hpp>

#include "facenet/core/config.h"
#include "facenet/detect/face.h"

namespace facenet::detect {

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
};

/// How the faces of a set of photos were found and cut, one face per photo (`eval --detect`'s
/// report). A photo without a face is embedded from its centre square (centre_box), resized to the
/// network's input: what the model would see of a photo nothing was cut from.
struct CropSummary {
  bool active = false;       ///< false: no detection (the images are face crops)
  CropConfig crop;           ///< the detector, rule and margin applied
  int64_t size = 0;          ///< the crops' side (the network's input)
  int64_t photos = 0;        ///< distinct photos detected
  int64_t without_face = 0;  ///< no face found: their centre square was used
  int64_t haar_fallbacks = 0;  ///< mtcnn: photos whose face only the Haar fallback found
};

/// davidsandberg's crop: margin/2 pixels added on each side, clipped to the image, truncated.
Box margin_box(const cv::Rect2f& face, int64_t margin, int image_width, int image_height);

/// facenet-pytorch's extract_face box for an output of side `size`: each side grows by
/// margin/2 * (box side)/(size - margin), clipped to the image, truncated (Python's int()).
Box facenet_pytorch_box(const cv::Rect2f& face, int64_t margin, int size, int image_width, int image_height);

/// The fallback crop: the centred square of side min(width, height).
Box centre_box(int image_width, int image_height);

/// The source rectangle crop_face cuts for `face` under `crop` at output side `size`, in whole
/// pixels inside the image: margin_box (rule margin, and 5point without landmarks),
/// facenet_pytorch_box, for 5point with landmarks the detection box (the warp has no rectangle),
/// for none the detection box (the whole image with detector none). What `facenet align` writes
/// to bounding_boxes.txt.
Box crop_box(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size);

/// insightface's ArcFace template (5 points on 112x112) for a square input of side `size`:
/// multiples of 112 are scaled by size/112; other sizes by size/128 with x shifted by 8*size/128
/// (insightface's estimate_norm rule).
Landmarks template_landmarks(int size);

/// The 2x3 similarity (rotation, uniform scale, translation) mapping `from` onto `to` in the least
/// squares sense (Umeyama, exact closed form).
cv::Mat similarity_transform(const Landmarks& from, const Landmarks& to);

/// PIL's Image.resize(size, BILINEAR) on an 8-bit image: a separable triangle filter whose support
/// grows with the downscale factor (antialiased), horizontal pass first, each pass rounded to 8
/// bits. facenet-pytorch's extract_face resizes PIL images this way.
cv::Mat pil_bilinear_resize(const cv::Mat& image, cv::Size size);

/// The network input (size x size, BGR) for `face` under `crop`: rule margin (or a face without
/// landmarks under 5point) = margin crop resized; facenet_pytorch = extract_face's crop, resized
/// as PIL does; 5point = warp onto template_landmarks(size); none = the whole image resized.
/// Throws facenet::Error when the crop is empty.
cv::Mat crop_face(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size);

}  // namespace facenet::detect
