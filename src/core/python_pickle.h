#pragma once
// LibTorch's C++ unpickler turns Python's collections.OrderedDict into None (it only expects
// one inside tensors' hooks), so the state_dict()s Python's torch.save writes do not load with
// torch::pickle_load. This rewrites such a pickle (protocol 2, as torch.save writes) so that
// every `OrderedDict()` becomes an empty dict, every BUILD (only OrderedDict's `_metadata`
// state in a state dict) is dropped with its state, and SETITEM becomes MARK ... SETITEMS.
#include <string>

namespace facenet {

/// Throws facenet::Error on an opcode it does not know or an OrderedDict built with arguments.
std::string plain_dicts_pickle(const std::string& pickle);

}  // namespace facenet
