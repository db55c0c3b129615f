#pragma once
// Writes Python pickles opcode by opcode, for .bin verification-set fixtures.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace facenet::test {

class PickleWriter {
 public:
  PickleWriter& op(unsigned char c) { return raw(std::string(1, char(c))); }
  PickleWriter& raw(std::string_view s) {
    data_.append(s.data(), s.size());
    return *this;
  }
  PickleWriter& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) data_.push_back(char((v >> (8 * i)) & 0xff));
    return *this;
  }
  PickleWriter& proto(int v) { return op(0x80).le(uint64_t(v), 1); }
  PickleWriter& frame(uint64_t n) { return op(0x95).le(n, 8); }
  PickleWriter& mark() { return op('('); }
  PickleWriter& empty_list() { return op(']'); }
  PickleWriter& append() { return op('a'); }
  PickleWriter& appends() { return op('e'); }
  PickleWriter& newtrue() { return op(0x88); }
  PickleWriter& newfalse() { return op(0x89); }
  PickleWriter& tuple2() { return op(0x86); }
  PickleWriter& tuple() { return op('t'); }
  PickleWriter& stop() { return op('.'); }
  PickleWriter& binput(uint32_t k) { return k < 256 ? op('q').le(k, 1) : op('r').le(k, 4); }
  PickleWriter& memoize() { return op(0x94); }
  PickleWriter& binget(uint32_t k) { return k < 256 ? op('h').le(k, 1) : op('j').le(k, 4); }
  /// Python 2 str: SHORT_BINSTRING below 256 bytes, else BINSTRING.
  PickleWriter& binstring(std::string_view s) {
    if (s.size() < 256) return op('U').le(s.size(), 1).raw(s);
    return op('T').le(s.size(), 4).raw(s);
  }
  /// Python 3 bytes: SHORT_BINBYTES, BINBYTES or (with `eight`) BINBYTES8.
  PickleWriter& binbytes(std::string_view s, bool eight = false) {
    if (eight) return op(0x8e).le(s.size(), 8).raw(s);
    if (s.size() < 256) return op('C').le(s.size(), 1).raw(s);
    return op('B').le(s.size(), 4).raw(s);
  }
  const std::string& bytes() const { return data_; }

 private:
  std::string data_;
};

/// What Python 2's pickle.dump((images, issame), f, protocol=2) writes: PROTO 2; the image
/// list (EMPTY_LIST, BINPUT, then batches of up to 1000 items between MARK and APPENDS — a
/// batch of one is the item and APPEND — each string memoised with BINPUT); the bool list the
/// same way with NEWTRUE/NEWFALSE; TUPLE2, BINPUT, STOP.
inline std::string python2_bin_pickle(const std::vector<std::string>& images, const std::vector<bool>& issame) {
  PickleWriter w;
  uint32_t memo = 0;
  w.proto(2);
  auto save_list = [&](std::size_t n, auto&& save_item) {
    w.empty_list().binput(memo++);
    for (std::size_t begin = 0; begin < n; begin += 1000) {
      const auto end = std::min(n, begin + 1000);
      if (end - begin == 1) {
        save_item(begin);
        w.append();
        continue;
      }
      w.mark();
      for (auto i = begin; i < end; ++i) save_item(i);
      w.appends();
    }
  };
  save_list(images.size(), [&](std::size_t i) { w.binstring(images[i]).binput(memo++); });
  save_list(issame.size(), [&](std::size_t i) { issame[i] ? w.newtrue() : w.newfalse(); });
  w.tuple2().binput(memo++).stop();
  return w.bytes();
}

}  // namespace facenet::test
