// tools/bench/pcap_frames_check.cc — pcap-frames-check FILE.pcap...: loads each file with PcapFrames and prints
// one line per file: "<path> frames=N bytes=B linktype=L first_ns=T last_ns=T truncated=K". It exists so that
// tests (tests/component/trex_amplify_test.py) can compare the benchmark's reader with tshark on the same
// files, and so a benchmark input can be checked before a long run.
// May call: tools/bench/pcap_frames. Exit 0, or 1 when a file cannot be loaded.
#include <cstdio>
#include <string>

#include "tools/bench/pcap_frames.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: pcap-frames-check FILE.pcap...\n");
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::string error;
    const auto frames = sluice::bench::PcapFrames::load(argv[i], &error);
    if (!frames) {
      std::fprintf(stderr, "pcap-frames-check: %s\n", error.c_str());
      status = 1;
      continue;
    }
    const uint64_t first = frames->empty() ? 0 : (*frames)[0].timestamp_ns;
    const uint64_t last = frames->empty() ? 0 : (*frames)[frames->size() - 1].timestamp_ns;
    std::printf("%s frames=%zu bytes=%llu linktype=%u first_ns=%llu last_ns=%llu truncated=%u\n", argv[i],
                frames->size(), static_cast<unsigned long long>(frames->total_bytes()), frames->linktype(),
                static_cast<unsigned long long>(first), static_cast<unsigned long long>(last),
                frames->truncated_records());
  }
  return status;
}
