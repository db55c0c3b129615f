#pragma once
// SplitMix64: turns (seed, index) combinations into well-mixed, independent RNG seeds.
#include <cstdint>

namespace facenet::data {

inline uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace facenet::data
