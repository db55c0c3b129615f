#pragma once
// What a checkpoint archive without a content digest must look like before LibTorch parses it.
#include <string>

namespace facenet::checkpoint_detail {

/// Throws facenet::Error naming `path` and the record when the archive's code/ records or
/// constants.pkl are not what torch::serialize::OutputArchive writes (class declarations with
/// attribute annotations, no code, no constants). LibTorch 1.13's TorchScript parser crashes
/// (not throws) on some damaged declarations, so archives without a digest are checked first.
void check_output_archive_shape(const std::string& path);

}  // namespace facenet::checkpoint_detail
