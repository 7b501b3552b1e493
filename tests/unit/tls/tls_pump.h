// tests/unit/tls/tls_pump.h — the wire between two in-memory TlsSessions.
//
// Owns: moving ciphertext from one session to the other (optionally a few
// bytes per step, as a trickling TCP would) and driving both until the
// handshake settles. May call: tls/tls_session.h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>

#include "tls/tls_session.h"

namespace sluice::tls::test {

// Moves pending ciphertext from -> to, at most `chunk` bytes per feed; returns bytes moved.
inline size_t move_bytes(TlsSession& from, TlsSession& to, size_t chunk = std::numeric_limits<size_t>::max()) {
  size_t moved = 0;
  for (;;) {
    std::string_view out = from.pending_ciphertext();
    if (out.empty()) break;
    size_t used = to.feed_ciphertext(out.substr(0, std::min(chunk, out.size())));
    if (used == 0) break;
    from.ciphertext_sent(used);
    moved += used;
    if (chunk != std::numeric_limits<size_t>::max()) break;  // trickle: one piece per step
  }
  return moved;
}

inline bool settled(TlsState s) { return s == TlsState::Established || s == TlsState::Failed || s == TlsState::Closed; }

// Runs both handshakes to the end (or a failure on either side). Returns true
// when both are Established.
inline bool handshake(TlsSession& client, TlsSession& server, size_t chunk = std::numeric_limits<size_t>::max(),
                      int max_steps = 2000000) {
  int idle = 0;
  for (int step = 0; step < max_steps; ++step) {
    TlsState c = client.advance();
    TlsState s = server.advance();
    size_t moved = move_bytes(client, server, chunk) + move_bytes(server, client, chunk);
    if (c == TlsState::Failed || s == TlsState::Failed) {
      // Let the alert reach the other side, then stop.
      client.advance();
      server.advance();
      return false;
    }
    idle = moved == 0 ? idle + 1 : 0;
    if (idle >= 3) break;  // settled, or stalled: nothing more will move
  }
  return client.state() == TlsState::Established && server.state() == TlsState::Established;
}

}  // namespace sluice::tls::test
