#pragma once
// What LibTorch's TorchScript importer needs from the class declarations of an archive before it
// is safe to hand the archive to torch::jit::load.
#include <string>

namespace facenet {

/// Throws facenet::Error naming `path`, the record, the line and its text when a class body in
/// the archive's code/*.py records assigns a value without a type annotation, other than the
/// importer's own lists (`__parameters__ = [...]`, `__buffers__ = [...]`, `__annotations__`,
/// the hook lists). LibTorch 1.13 reads such a line as a class constant and dereferences its
/// missing annotation: a crash, not an exception (fuzz findings 6 and 7, docs/fuzzing.md).
/// Enum and NamedTuple classes, whose bodies are plain assignments, are left to the importer.
void check_script_class_declarations(const std::string& path);

}  // namespace facenet
