// A strict, bounded reader for insightface's pickled verification sets.
#include "facenet/data/verification_bin.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <variant>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::data {
namespace {

struct List;
struct Tuple;
struct Mark {};
using Value = std::variant<Mark, std::string_view, bool, std::shared_ptr<List>, std::shared_ptr<Tuple>>;
struct List {
  std::vector<Value> items;
};
struct Tuple {
  std::vector<Value> items;
};

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

class Parser {
 public:
  Parser(std::string_view data, const std::string& name) : d_(data), name_(name) {}

  Value run() {
    while (true) {
      if (pos_ >= d_.size()) fail(pos_, 0, "truncated: no STOP opcode before the end of the data");
      op_at_ = pos_;
      op_ = static_cast<unsigned char>(d_[pos_++]);
      switch (op_) {
        case 0x80: {  // PROTO
          const auto v = u(1);
          if (v < 2 || v > 5) fail(op_at_, op_, "unsupported pickle protocol " + std::to_string(v));
          break;
        }
        case 0x95:  // FRAME: an 8-byte frame length; the frame's opcodes follow inline
          if (u(8) > d_.size() - pos_) fail(op_at_, op_, "frame length runs past the end of the data");
          break;
        case ']': push(std::make_shared<List>()); break;  // EMPTY_LIST
        case ')': push(std::make_shared<Tuple>()); break;  // EMPTY_TUPLE
        case '(': push(Mark{}); break;                     // MARK
        case 'a': {                                          // APPEND
          auto v = pop();
          leaf(v);
          list_at_top().items.push_back(std::move(v));
          break;
        }
        case 'e': {  // APPENDS
          auto items = pop_to_mark();
          auto& l = list_at_top().items;
          for (auto& v : items) {
            leaf(v);
            l.push_back(std::move(v));
          }
          break;
        }
        case 'U': push(bytes(u(1))); break;  // SHORT_BINSTRING
        case 'T': {                          // BINSTRING (signed 4-byte length)
          const auto n = u(4);
          if (n & 0x80000000u) fail(op_at_, op_, "negative length");
          push(bytes(n));
          break;
        }
        case 'C': push(bytes(u(1))); break;     // SHORT_BINBYTES
        case 'B': push(bytes(u(4))); break;     // BINBYTES
        case 0x8e: push(bytes(u(8))); break;    // BINBYTES8
        case 0x8c: push(bytes(u(1))); break;    // SHORT_BINUNICODE
        case 'X': push(bytes(u(4))); break;     // BINUNICODE
        case 0x88: push(true); break;           // NEWTRUE
        case 0x89: push(false); break;          // NEWFALSE
        case 0x85: tuple_of(1); break;          // TUPLE1
        case 0x86: tuple_of(2); break;          // TUPLE2
        case 0x87: tuple_of(3); break;          // TUPLE3
        case 't': {                             // TUPLE
          auto t = std::make_shared<Tuple>();
          t->items = pop_to_mark();
          for (const auto& v : t->items) no_tuple(v);
          push(std::move(t));
          break;
        }
        case 'q': memo_put(u(1)); break;        // BINPUT
        case 'r': memo_put(u(4)); break;        // LONG_BINPUT
        case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
        case 'h': memo_get(u(1)); break;        // BINGET
        case 'j': memo_get(u(4)); break;        // LONG_BINGET
        case '.': {                             // STOP
          if (stack_.size() != 1 || std::holds_alternative<Mark>(stack_.back()))
            fail(op_at_, op_, "STOP with " + std::to_string(stack_.size()) + " items on the stack (expected 1)");
          return stack_.back();
        }
        default:
          fail(op_at_, op_, "unsupported pickle opcode (a .bin holds only lists of byte strings and bools)");
      }
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, unsigned char op, const std::string& why) const {
    std::ostringstream s;
    s << name_ << ": byte offset " << at;
    if (at < d_.size()) s << ", opcode " << hex_byte(op) << (op >= 0x20 && op < 0x7f ? std::string(" '") + char(op) + "'" : "");
    s << ": " << why;
    throw Error(s.str());
  }

  uint64_t u(int n) {
    if (d_.size() - pos_ < static_cast<std::size_t>(n)) fail(op_at_, op_, "truncated argument");
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(static_cast<unsigned char>(d_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }

  std::string_view bytes(uint64_t n) {
    if (n > d_.size() - pos_)
      fail(op_at_, op_, "length " + std::to_string(n) + " runs past the end of the data (" +
                            std::to_string(d_.size() - pos_) + " bytes left)");
    const auto v = d_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  void push(Value v) { stack_.push_back(std::move(v)); }

  Value pop() {
    if (stack_.empty() || std::holds_alternative<Mark>(stack_.back())) fail(op_at_, op_, "stack underflow");
    auto v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  std::vector<Value> pop_to_mark() {
    std::size_t k = stack_.size();
    while (k > 0 && !std::holds_alternative<Mark>(stack_[k - 1])) --k;
    if (k == 0) fail(op_at_, op_, "no MARK on the stack");
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + k), std::make_move_iterator(stack_.end()));
    stack_.resize(k - 1);
    return items;
  }

  List& list_at_top() {
    if (stack_.empty() || !std::holds_alternative<std::shared_ptr<List>>(stack_.back()))
      fail(op_at_, op_, "append target is not a list");
    return *std::get<std::shared_ptr<List>>(stack_.back());
  }

  void tuple_of(int n) {
    auto t = std::make_shared<Tuple>();
    t->items.resize(n);
    for (int i = n - 1; i >= 0; --i) t->items[i] = pop();
    for (const auto& v : t->items) no_tuple(v);
    push(std::move(t));
  }

  // A .bin's lists hold only byte strings and bools, and only the top tuple holds lists: refusing
  // deeper nesting keeps every structure two levels deep (no cycles, no deep recursion).
  void leaf(const Value& v) const {
    if (!std::holds_alternative<std::string_view>(v) && !std::holds_alternative<bool>(v))
      fail(op_at_, op_, "a list or tuple inside a list (a .bin's lists hold only byte strings and bools)");
  }
  void no_tuple(const Value& v) const {
    if (std::holds_alternative<std::shared_ptr<Tuple>>(v)) fail(op_at_, op_, "a tuple inside a tuple");
    if (std::holds_alternative<Mark>(v)) fail(op_at_, op_, "a MARK inside a tuple");
  }

  void memo_put(uint64_t key) {
    if (stack_.empty() || std::holds_alternative<Mark>(stack_.back())) fail(op_at_, op_, "memo of an empty stack");
    memo_[key] = stack_.back();
  }

  void memo_get(uint64_t key) {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail(op_at_, op_, "memo key " + std::to_string(key) + " was never stored");
    push(it->second);
  }

  std::string_view d_;
  std::string name_;
  std::size_t pos_ = 0, op_at_ = 0;
  unsigned char op_ = 0;
  std::vector<Value> stack_;
  std::map<uint64_t, Value> memo_;
};

}  // namespace

VerificationBin parse_verification_bin(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) throw Error(name + ": empty file (expected a pickled (images, issame) tuple)");
  const auto top = Parser(bytes, name).run();
  const auto bad = [&](const std::string& why) { return Error(name + ": not an insightface .bin: " + why); };
  if (!std::holds_alternative<std::shared_ptr<Tuple>>(top)) throw bad("the pickled object is not a tuple");
  const auto& t = *std::get<std::shared_ptr<Tuple>>(top);
  if (t.items.size() != 2) throw bad("a tuple of " + std::to_string(t.items.size()) + " items (expected 2)");
  const auto as_list = [&](const Value& v, const char* what) -> const List& {
    if (!std::holds_alternative<std::shared_ptr<List>>(v)) throw bad(std::string(what) + " is not a list");
    return *std::get<std::shared_ptr<List>>(v);
  };
  const auto& imgs = as_list(t.items[0], "the image list");
  const auto& same = as_list(t.items[1], "the issame list");
  VerificationBin out;
  out.images.reserve(imgs.items.size());
  for (std::size_t i = 0; i < imgs.items.size(); ++i) {
    if (!std::holds_alternative<std::string_view>(imgs.items[i]))
      throw bad("image " + std::to_string(i) + " is not a byte string");
    out.images.emplace_back(std::get<std::string_view>(imgs.items[i]));
  }
  out.issame.reserve(same.items.size());
  for (std::size_t i = 0; i < same.items.size(); ++i) {
    if (!std::holds_alternative<bool>(same.items[i])) throw bad("issame " + std::to_string(i) + " is not a bool");
    out.issame.push_back(std::get<bool>(same.items[i]));
  }
  if (out.images.size() != 2 * out.issame.size())
    throw bad(std::to_string(out.images.size()) + " images for " + std::to_string(out.issame.size()) +
              " pairs (expected 2 per pair)");
  return out;
}

VerificationBin read_verification_bin(const std::string& path) { return parse_verification_bin(read_file(path), path); }

}  // namespace facenet::data
