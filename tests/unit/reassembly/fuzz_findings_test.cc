// Regression tests for what tests/fuzz/tcp_endpoint_fuzz found in reassembly/, one test per finding. The first
// was undefined behaviour that only a sanitizer sees (tools/fuzz builds with UBSan; so does any
// -Db_sanitize=undefined build of these tests): the test walks the exact path and pins the bytes.
#include <gtest/gtest.h>

#include <string>

#include "reassembly/byte_ring.h"

namespace sluice::reassembly {
namespace {

// The first push into a ring that never held storage (and into one trim() emptied) grew it by copying the held
// bytes from null views: memcpy(dst, nullptr, 0). The endpoint does this on the first byte it receives or sends.
TEST(ByteRingFuzzFindings, FirstPushIntoUnallocatedRing) {
  ByteRing ring(4096, 512);
  EXPECT_EQ(ring.allocated(), 0u);
  EXPECT_EQ(ring.push("hello"), 5u);
  EXPECT_EQ(ring.front(), "hello");
  ring.pop(5);
  ring.push(std::string(1000, 'x'));   // grows past initial: the held bytes are copied
  ring.pop(1000);
  ring.trim();
  EXPECT_EQ(ring.allocated(), 0u);
  EXPECT_EQ(ring.push("again"), 5u);
  EXPECT_EQ(ring.front(), "again");
}

}  // namespace
}  // namespace sluice::reassembly
