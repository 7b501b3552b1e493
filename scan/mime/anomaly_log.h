// AnomalyLog: collects Anomaly bits for one message and reports each kind to the
// sink once (first detail wins), so a bare LF on every line costs one callback.
#pragma once
#include <cstdint>
#include <string_view>

#include "scan/mime/mime_sink.h"

namespace sluice::mime {

class AnomalyLog {
 public:
  explicit AnomalyLog(MimeSink& sink) : sink_(sink) {}
  void raise(Anomaly a, std::string_view detail) {
    const auto bit = static_cast<uint32_t>(a);
    if (bits_ & bit) return;
    bits_ |= bit;
    sink_.on_anomaly(a, detail);
  }
  void raise_bits(uint32_t bits, std::string_view detail) {
    for (uint32_t bit = 1; bit != 0 && bit <= bits; bit <<= 1)
      if (bits & bit) raise(static_cast<Anomaly>(bit), detail);
  }
  uint32_t bits() const { return bits_; }
  void clear() { bits_ = 0; }

 private:
  MimeSink& sink_;
  uint32_t bits_ = 0;
};

}  // namespace sluice::mime
