#pragma once
// The parallel-for of src/data (private): core's, under the data namespace.
#include "facenet/core/cores.h"
#include "facenet/core/parallel.h"

namespace facenet::data {

inline int resolve_threads(int64_t threads) { return resolve_cores(threads); }

using facenet::parallel_for;

}  // namespace facenet::data
