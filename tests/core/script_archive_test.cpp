// check_script_class_declarations: class bodies LibTorch 1.13's importer handles pass; an
// un-annotated class attribute (which it dereferences as a constant's missing type) is an
// error naming the record and line.
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/core/script_archive.h"

using namespace facenet;

namespace {

/// A torch archive at a temporary path holding code/__torch__.py = `code`.
std::string archive_with_code(const std::string& code) {
  const auto path = (std::filesystem::temp_directory_path() / "facenet-script-archive.pt").string();
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("code/__torch__.py", code.data(), code.size());
  writer.writeRecord("version", "3\n", 2);
  writer.writeEndOfFile();
  return path;
}

std::string error_of(const std::string& code) {
  const auto path = archive_with_code(code);
  std::string message;
  try {
    check_script_class_declarations(path);
  } catch (const Error& e) {
    message = e.what();
  }
  std::filesystem::remove(path);
  return message;
}

// What torch.jit.save writes for a module: parameter/buffer lists, attribute annotations,
// Final constants, a non-identifier attribute, methods whose bodies assign freely; an Enum's
// members are plain assignments.
const std::string kValid =
    "class M(Module):\n"
    "  __parameters__ = [\"w\", ]\n"
    "  __buffers__ = []\n"
    "  w : Tensor\n"
    "  training : bool\n"
    "  scale : Final[float] = 0.17\n"
    "  __annotations__[\"0\"] = __torch__.torch.nn.modules.conv.Conv2d\n"
    "  def forward(self: __torch__.M,\n"
    "    x: Tensor) -> Tensor:\n"
    "    y = torch.mul(x, self.w)\n"
    "    return y\n"
    "class Colour(Enum):\n"
    "  RED = 1\n";

}  // namespace

TEST(ScriptArchive, DeclarationsTorchWritesPass) { EXPECT_EQ(error_of(kValid), ""); }

TEST(ScriptArchive, AnUnannotatedClassAttributeIsAnErrorNamingItsLine) {
  auto bad = kValid;
  bad.replace(bad.find("__buffers__"), 11, "__bUffers__");
  EXPECT_EQ(error_of(bad), "'" + (std::filesystem::temp_directory_path() / "facenet-script-archive.pt").string() +
                               "' is damaged TorchScript: record 'code/__torch__.py' line 3 assigns a class "
                               "attribute without a type: '__bUffers__ = []'");
  // A constant that lost its annotation, and one written without spaces.
  EXPECT_NE(error_of("class M(Module):\n  scale = 0.17\n").find("line 2"), std::string::npos);
  EXPECT_NE(error_of("class M(Module):\n\tk=3\n").find("'k=3'"), std::string::npos);
  // The importer's lists must be list literals.
  EXPECT_NE(error_of("class M(Module):\n  __parameters__ = 0\n").find("line 2"), std::string::npos);
}

TEST(ScriptArchive, PickleLengthsMustStayInsideTheirRecord) {
  auto error = [](const std::string& pickle) {
    try {
      check_pickle_lengths(pickle, "data.pkl");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // PROTO 2, BINUNICODE "ab", GLOBAL, BININT1, TUPLE2, STOP: every operand inside the record.
  EXPECT_EQ(error(std::string("\x80\x02X\x02\x00\x00\x00" "ab" "c__torch__\nSeed\nK\x07\x86.", 29)), "");
  // BINUNICODE claiming 4 GB - 1 with 2 bytes left: refused before anything reserves it.
  EXPECT_EQ(error(std::string("\x80\x02X\xff\xff\xff\xff" "ab.", 10)),
            "record 'data.pkl' byte 2: pickle opcode 0x58 needs 4294967299 bytes where 7 remain");
  // LONG1 of 200 bytes with 3 left; a GLOBAL without its second line; a cut BININT.
  EXPECT_NE(error(std::string("\x8a\xc8" "abc", 5)).find("byte 0: pickle opcode 0x8a"), std::string::npos);
  EXPECT_NE(error("c__torch__\nSeed").find("opcode 0x63"), std::string::npos);
  EXPECT_NE(error(std::string("J\x01\x02", 3)).find("needs 4 bytes where 2 remain"), std::string::npos);
  // Memo indices: a pickler stores 0, 1, 2, ...; a PUT beyond the next one or a GET of one never
  // stored is refused (the unpickler sizes its memo table by the index it is given).
  EXPECT_EQ(error(std::string("\x80\x02)q\x00)q\x01h\x00.", 11)), "");
  EXPECT_EQ(error(std::string("\x80\x02)r\x00\x00\x00\x60.", 9)),
            "record 'data.pkl' byte 3: pickle memo index 1610612736 where 0 entries were stored");
  EXPECT_NE(error(std::string("\x80\x02h\x00.", 5)).find("memo index 0 where 0 entries"), std::string::npos);
  // An opcode it does not know ends the check (the unpickler refuses it itself).
  EXPECT_EQ(error(std::string("\xff" "X\xff\xff\xff\xff", 6)), "");
}
