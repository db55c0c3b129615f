// Deploying a FaceNet export: embed two photos and decide whether they show the same person.
//   embed_example model.pt face1.jpg face2.jpg     (model: TorchScript/ONNX export or checkpoint)
#include <iostream>
#include <opencv2/imgcodecs.hpp>

#include "facenet/infer/embedder.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: embed_example MODEL IMAGE_A IMAGE_B\n";
    return 2;
  }
  try {
    const facenet::Embedder embedder(argv[1]);  // preprocessing and threshold come from the model
    const cv::Mat a = cv::imread(argv[2]), b = cv::imread(argv[3]);
    if (a.empty() || b.empty()) {
      std::cerr << "cannot read " << (a.empty() ? argv[2] : argv[3]) << "\n";
      return 1;
    }
    const facenet::Embedding ea = embedder.embed(a), eb = embedder.embed(b);
    const facenet::Comparison c = embedder.compare(ea, eb);
    std::cout << embedder.embedding_size() << "-d embeddings, distance " << c.distance << " (threshold "
              << embedder.threshold() << "): " << (c.same ? "same person" : "different people") << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
