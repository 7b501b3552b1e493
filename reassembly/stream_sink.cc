// reassembly/stream_sink.cc — names of close reasons for logs.
#include "reassembly/stream_sink.h"

namespace sluice::reassembly {

const char* close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::None: return "none";
    case CloseReason::Fin: return "fin";
    case CloseReason::Rst: return "rst";
    case CloseReason::Idle: return "idle";
    case CloseReason::EndOfInput: return "end_of_input";
  }
  return "unknown";
}

}  // namespace sluice::reassembly
