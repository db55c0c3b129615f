#pragma once
// What the CPU offers int8 inference, read from CPUID at run time (`facenet info`): oneDNN's
// int8 convolutions use VPMADDUBSW with AVX2, VPDPBUSD with AVX-512 VNNI or AVX-VNNI, and
// AMX tiles with AMX-INT8.
#include <string>

namespace facenet {

struct Int8Instructions {
  bool avx2 = false;
  bool avx512_vnni = false;  ///< CPUID.(7,0):ECX[11], with OS support for the AVX-512 state
  bool avx_vnni = false;     ///< CPUID.(7,1):EAX[4] (Alder Lake+, Zen 5)
  bool amx_int8 = false;     ///< CPUID.(7,0):EDX[25] (Sapphire Rapids+)
};
Int8Instructions int8_instructions();

/// "avx2 avx512_vnni (no avx_vnni, amx_int8)": those present, then those absent.
std::string describe(const Int8Instructions& i);

}  // namespace facenet
