#pragma once
// What LibTorch's importer needs from a torch archive (TorchScript export, checkpoint) before it
// is safe to hand it to torch::jit::load: class declarations it does not crash on, and pickles
// whose lengths stay inside their records.
#include <cstdint>
#include <string>

namespace facenet {

/// Throws facenet::Error naming `path`, the record, the line and its text when a class body in
/// the archive's code/*.py records assigns a value without a type annotation, other than the
/// importer's own lists (`__parameters__ = [...]`, `__buffers__ = [...]`, `__annotations__`,
/// the hook lists). LibTorch 1.13 reads such a line as a class constant and dereferences its
/// missing annotation: a crash, not an exception (fuzz findings 6 and 7, docs/fuzzing.md).
/// Enum and NamedTuple classes, whose bodies are plain assignments, are left to the importer.
void check_script_class_declarations(const std::string& path);

/// Throws facenet::Error naming the record and byte offset when a pickle opcode's argument
/// (a string, bytes or long with its length prefix, a fixed-size operand) runs past the end of
/// `pickle`. LibTorch 1.13's unpickler reserves the claimed length first: a 4 GB claim in a
/// damaged data.pkl was a 4 GB allocation (fuzz finding 10). Stops at STOP or at an opcode it
/// does not know (which the unpickler then refuses itself).
void check_pickle_lengths(const std::string& pickle, const std::string& record);

/// The offset just past the STOP of the pickle that starts at `start` of `bytes` (legacy
/// torch.save files are several pickles in a row), with check_pickle_lengths' checks. Throws
/// facenet::Error naming `record` and the place when it has no STOP or an unknown opcode.
uint64_t pickle_end(const std::string& bytes, uint64_t start, const std::string& record);

/// Both checks over every code/*.py and *.pkl record of the archive at `path`; errors name the
/// file, the record and the place.
void check_torch_archive(const std::string& path);

}  // namespace facenet
