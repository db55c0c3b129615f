#include "python_pickle.h"

#include <cstdint>
#include <set>
#include <vector>

#include "facenet/core/error.h"

namespace facenet {
namespace {

uint32_t le(const std::string& s, size_t pos, int bytes) {
  if (pos + bytes > s.size()) throw Error("pickle: truncated");
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  return v;
}

// The rewriter tracks where each stack item's bytes start in the output, so that a SETITEM
// (which LibTorch's unpickler lacks) can become MARK key value SETITEMS.
struct Item {
  size_t start;
  bool mark;
};

}  // namespace

std::string plain_dicts_pickle(const std::string& p) {
  const std::string od_global = "collections\nOrderedDict\n";
  std::set<uint32_t> od_memo;  // memo slots holding the OrderedDict class
  std::string out;
  std::vector<Item> stack;
  size_t i = 0;
  // LibTorch's unpickler trusts the stack: an opcode with too few operands reads outside it
  // (a crash, not an exception). Every opcode's operands are checked here first, as they sit
  // above the last MARK (a mark is no operand).
  auto need = [&](size_t n) {
    size_t above_mark = 0;
    for (auto it = stack.rbegin(); it != stack.rend() && !it->mark && above_mark < n; ++it) ++above_mark;
    if (above_mark < n) throw Error("pickle: stack underflow at byte " + std::to_string(i));
  };
  auto pop = [&](size_t n) {
    need(n);
    const size_t start = stack[stack.size() - n].start;
    stack.resize(stack.size() - n);
    return start;
  };
  auto pop_to_mark = [&] {
    while (!stack.empty() && !stack.back().mark) stack.pop_back();
    if (stack.empty()) throw Error("pickle: missing MARK at byte " + std::to_string(i));
    const size_t start = stack.back().start;
    stack.pop_back();
    return start;
  };
  auto byte_at = [&](size_t j) {
    if (j >= p.size()) throw Error("pickle: truncated");
    return static_cast<unsigned char>(p[j]);
  };
  std::set<uint32_t> memo;  // memo slots written (BINGET of another one is corrupt)
  bool stopped = false;
  // `<OrderedDict class> [BINPUT] EMPTY_TUPLE REDUCE` at j (after the class push) -> EMPTY_DICT.
  auto reduce_to_dict = [&](size_t j) {
    if (j < p.size() && (p[j] == 'q' || p[j] == 'r')) {
      od_memo.insert(p[j] == 'q' ? byte_at(j + 1) : le(p, j + 1, 4));
      j += p[j] == 'q' ? 2 : 5;
    }
    if (j + 1 >= p.size() || p[j] != ')' || p[j + 1] != 'R') throw Error("pickle: OrderedDict built with arguments");
    stack.push_back({out.size(), false});
    out += '}';
    return j + 2;
  };
  while (i < p.size()) {
    if (stopped) throw Error("pickle: bytes after STOP at byte " + std::to_string(i));
    const unsigned char op = static_cast<unsigned char>(p[i]);
    const size_t here = out.size();
    size_t len = 1;  // opcode plus argument bytes
    int pushes = 0, pops = 0;
    switch (op) {
      case 'c': {  // GLOBAL module\nname\n
        const size_t a = p.find('\n', i + 1), b = a == std::string::npos ? a : p.find('\n', a + 1);
        if (b == std::string::npos) throw Error("pickle: truncated GLOBAL");
        if (p.compare(i + 1, b - i, od_global) == 0) {
          i = reduce_to_dict(b + 1);
          continue;
        }
        len = b + 1 - i;
        pushes = 1;
        break;
      }
      case 'h': case 'j': {  // BINGET, LONG_BINGET
        const uint32_t slot = op == 'h' ? byte_at(i + 1) : le(p, i + 1, 4);
        len = op == 'h' ? 2 : 5;
        if (od_memo.count(slot)) {
          i = reduce_to_dict(i + len);
          continue;
        }
        if (!memo.count(slot)) throw Error("pickle: BINGET of unset memo slot " + std::to_string(slot));
        pushes = 1;
        break;
      }
      case 'b':  // BUILD: OrderedDict's _metadata state; its bytes are erased (LibTorch has no POP).
        need(2);
        out.resize(pop(1));  // it comes last in a state dict, so nothing later refers to its memo
        ++i;
        continue;
      case 's': {  // SETITEM -> MARK key value SETITEMS
        need(3);
        const size_t key_start = pop(2);
        out.insert(key_start, 1, '(');
        out += 'u';
        ++i;
        continue;
      }
      case 0x80: len = 2; break;                               // PROTO
      case 'q': case 'r':                                      // BINPUT, LONG_BINPUT
        need(1);
        memo.insert(op == 'q' ? byte_at(i + 1) : le(p, i + 1, 4));
        len = op == 'q' ? 2 : 5;
        break;
      case 'K': len = 2; pushes = 1; break;                    // BININT1
      case 'M': len = 3; pushes = 1; break;                    // BININT2
      case 'J': len = 5; pushes = 1; break;                    // BININT
      case 'G': len = 9; pushes = 1; break;                    // BINFLOAT
      case 0x8a: case 'U': case 'C':                           // LONG1, SHORT_BINSTRING, SHORT_BINBYTES
        len = 2 + byte_at(i + 1);
        pushes = 1;
        break;
      case 'X': case 'T': case 'B': len = 5 + size_t{le(p, i + 1, 4)}; pushes = 1; break;  // BINUNICODE, BINSTRING, BINBYTES
      case ')': case '}': case ']': case 'N': case 0x88: case 0x89: pushes = 1; break;
      case '(': stack.push_back({here, true}); out += '('; ++i; continue;  // MARK
      case 't': case 'u': case 'e': {  // TUPLE, SETITEMS, APPENDS
        const size_t start = pop_to_mark();
        if (op != 't' && stack.empty()) throw Error("pickle: SETITEMS/APPENDS without a container");
        if (op == 't') stack.push_back({start, false});
        out += static_cast<char>(op);
        ++i;
        continue;
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        stack.push_back({pop(op - 0x84), false});
        out += static_cast<char>(op);
        ++i;
        continue;
      }
      case 'R': case 0x81: stack.push_back({pop(2), false}); out += static_cast<char>(op); ++i; continue;  // REDUCE, NEWOBJ
      case 'Q': need(1); break;       // BINPERSID: pops one, pushes one
      case 'a': need(2); pops = 1; break;  // APPEND pops the value (the list stays)
      case '0': pops = 1; break;      // POP
      case '2': need(1); pushes = 1; break;  // DUP
      case '.':                       // STOP: the one result
        need(1);
        stopped = true;
        break;
      default:
        throw Error("pickle: unsupported opcode " + std::to_string(op));
    }
    if (i + len > p.size()) throw Error("pickle: truncated");
    if (pops) pop(pops);
    for (int k = 0; k < pushes; ++k) stack.push_back({here, false});
    out.append(p, i, len);
    i += len;
  }
  if (!stopped) throw Error("pickle: no STOP (truncated)");
  return out;
}

}  // namespace facenet
