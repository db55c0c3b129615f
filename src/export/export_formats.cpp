// Where the export layer registers its rows in the network-format table: one line per format.
// A new format is one file defining a function that returns its infer::NetworkFormat (name,
// kind, description, extension, sniff, load, write: whatever parts it has), declared in
// export_formats.h, and one line in add_export_rows.
#include "export_formats.h"

#include "facenet/export/formats.h"

namespace facenet::exporting {

namespace {

// One line per format: the writers of the formats the inference layer loads, then the formats
// only export knows.
void add_export_rows(infer::NetworkFormats& table) {
  table.add(onnx_writer());
  table.add(torchscript_writer());
  table.add(state_dict_format());
}

}  // namespace

const infer::NetworkFormats& formats() {
  static const bool added = (add_export_rows(infer::network_formats()), true);
  (void)added;
  return infer::network_formats();
}

}  // namespace facenet::exporting
