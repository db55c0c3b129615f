// Where the export layer registers its rows in the network-format table: one line per format.
// A new format is one file defining a function that returns its infer::NetworkFormat (name,
// kind, description, extension, sniff, load, write: whatever parts it has), declared in
// export_formats.h, and one line below.
#include "export_formats.h"

#include "facenet/export/formats.h"

namespace facenet::exporting {

const infer::NetworkFormats& formats() {
  static const infer::NetworkFormats& table = [] () -> infer::NetworkFormats& {
    auto& t = infer::network_formats();
    t.add(onnx_writer());
    t.add(torchscript_writer());
    t.add(state_dict_format());
    return t;
  }();
  return table;
}

}  // namespace facenet::exporting
