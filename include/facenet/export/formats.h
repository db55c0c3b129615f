#pragma once
// The network-format table (infer/network_format.h) with the export layer's rows in it: the
// writers of the formats the inference layer loads, and the formats only written.
#include "facenet/infer/network_format.h"

namespace facenet::exporting {

/// infer::network_formats() after export has registered its rows (once, on the first call).
/// What `facenet export`, `check` and `info` read.
const infer::NetworkFormats& formats();

}  // namespace facenet::exporting
