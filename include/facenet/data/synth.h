#pragma once
// `facenet synth`: a face-like dataset drawn with OpenCV, for demos and tests without any
// download. Each identity is a stable set of facial traits (face shape, skin and hair colour
// and style, eye/brow/nose/mouth geometry, glasses, beard, moustache, mole); each image varies
// pose (shift, yaw-like squash, rotation), scale, expression, lighting, blur, noise,
// background and partial occlusion. Deterministic by seed: same options -> identical bytes.
#include <cstdint>
#include <string>

namespace cv {
class Mat;
}

namespace facenet::data {

struct SynthOptions {
  std::string out;                       ///< writes out/train/<id>/<id>_0001.jpg, out/test/..., out/test/pairs.txt
  int64_t identities = 100;              ///< training identities
  int64_t images_per_identity = 20;
  int64_t pair_identities = 20;          ///< held-out identities in out/test (0 = no test set)
  int64_t test_images_per_identity = 0;  ///< 0 = images_per_identity
  int64_t folds = 10;                    ///< pairs.txt header `folds pairs_per_fold`
  int64_t pairs_per_fold = 30;           ///< matched and as many mismatched pairs per fold
  int64_t image_size = 160;
  uint64_t seed = 0;
  int64_t threads = 0;                   ///< 0 = all cores
  int jpeg_quality = 92;
};

struct SynthResult {
  int64_t train_images = 0;
  int64_t test_images = 0;
  int64_t pairs = 0;
};

/// Writes the dataset; throws facenet::Error on bad options or an unwritable folder.
SynthResult synthesize_dataset(const SynthOptions& options);

/// Renders image `image` of identity `identity` of split `split` (0 train, 1 test) as 8-bit
/// BGR size x size (what synthesize_dataset writes, before JPEG encoding).
void render_synth_face(uint64_t seed, int split, int64_t identity, int64_t image, int size, cv::Mat& out);

/// Identity folder names: train "id00001", test "test00001".
std::string synth_identity_name(int split, int64_t identity);

}  // namespace facenet::data
