// libFuzzer target: the configuration language (lexer, parser, schema binding, error reporting).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sluice::control::LoadResult result = sluice::control::load_config_text(text, "fuzz.conf", "/nonexistent");
  for (const auto& e : result.errors) {
    if (e.to_string().empty()) __builtin_trap();   // every error must say something
  }
  return 0;
}
