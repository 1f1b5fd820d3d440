// libFuzzer target: any bytes as a configuration file. The loader must
// return a status for everything, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)meshup::config::LoadConfigFiles({{"fuzz.yaml", text}});
  return 0;
}
