#include "facenet/core/int8_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <utility>
#include <vector>

namespace facenet {

Int8Instructions int8_instructions() {
  Int8Instructions i;
#if defined(__x86_64__) || defined(__i386__)
  i.avx2 = __builtin_cpu_supports("avx2");
  const bool avx512 = __builtin_cpu_supports("avx512f");  // also checks the OS saves the state
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    i.avx512_vnni = avx512 && ((ecx >> 11) & 1);
    i.amx_int8 = (edx >> 25) & 1;
    const unsigned max_subleaf = eax;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) i.avx_vnni = i.avx2 && ((eax >> 4) & 1);
  }
#endif
  return i;
}

std::string describe(const Int8Instructions& i) {
  const std::vector<std::pair<const char*, bool>> all{
      {"avx2", i.avx2}, {"avx512_vnni", i.avx512_vnni}, {"avx_vnni", i.avx_vnni}, {"amx_int8", i.amx_int8}};
  std::string have, lack;
  for (const auto& [name, present] : all) (present ? have : lack) += (present ? have : lack).empty() ? name : std::string(", ") + name;
  if (have.empty()) have = "none of the int8 dot-product instructions";
  return lack.empty() ? have : have + " (no " + lack + ")";
}

}  // namespace facenet
