#include "dataplane/stats_report.h"

namespace sluice::dataplane {

void print_startup(std::FILE* out, const PortSet& ports, const scan::PolicySnapshot& snapshot) {
  std::fprintf(out, "sluice: %zu port(s):", ports.ports.size());
  for (const PortInfo& p : ports.ports) std::fprintf(out, " %u=%s(%s)", p.port_id, p.name.c_str(), p.driver.c_str());
  const engine::LoadStats& s = snapshot.signature_stats;
  std::fprintf(out,
               "\nsluice: signatures: %u body, %u hash, %u rules (%u approximated); stream state %zu bytes; "
               "url lists: %zu domains, %zu urls; capture timestamps: %s\n",
               s.body, s.hash, s.rules, s.approximated, snapshot.database->stream_state_bytes(),
               snapshot.url_lists.domain_count(), snapshot.url_lists.url_count(),
               ports.timestamp_offset >= 0 ? "yes" : "no (TSC clock)");
}

void print_stats(std::FILE* out, const PacketCounters& p, const FlowTableCounters& f, const log::RecordWriter& r) {
  std::fprintf(out,
               "sluice: frames %llu (%llu bytes), tcp %llu, not-ip %llu, not-tcp %llu, fragments %llu, "
               "truncated %llu, malformed %llu\n",
               static_cast<unsigned long long>(p.frames), static_cast<unsigned long long>(p.bytes),
               static_cast<unsigned long long>(p.tcp),
               static_cast<unsigned long long>(p.by_parse_result[static_cast<size_t>(ParseResult::NotIp)]),
               static_cast<unsigned long long>(p.by_parse_result[static_cast<size_t>(ParseResult::NotTcp)]),
               static_cast<unsigned long long>(p.by_parse_result[static_cast<size_t>(ParseResult::Fragment)]),
               static_cast<unsigned long long>(p.by_parse_result[static_cast<size_t>(ParseResult::Truncated)]),
               static_cast<unsigned long long>(p.by_parse_result[static_cast<size_t>(ParseResult::Malformed)]));
  std::fprintf(out, "sluice: flows %llu (mid-stream %llu, idle-expired %llu, open at end %llu, table-full %llu)\n",
               static_cast<unsigned long long>(f.created), static_cast<unsigned long long>(f.midstream),
               static_cast<unsigned long long>(f.expired_idle),
               static_cast<unsigned long long>(f.ended_at_input_end),
               static_cast<unsigned long long>(f.table_full));
  std::fprintf(out, "sluice: messages %llu:", static_cast<unsigned long long>(r.records()));
  for (const auto& [verdict, count] : r.verdicts()) {
    std::fprintf(out, " %s=%llu", verdict.c_str(), static_cast<unsigned long long>(count));
  }
  std::fputc('\n', out);
}

}  // namespace sluice::dataplane
