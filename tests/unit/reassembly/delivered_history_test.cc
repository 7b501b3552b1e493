// The ring of delivered bytes that changed retransmissions are compared against.
#include "reassembly/delivered_history.h"

#include <gtest/gtest.h>

namespace sluice::reassembly {
namespace {

TEST(DeliveredHistory, DetectsADifferingRetransmission) {
  DeliveredHistory history(16);
  history.record("hello world");  // sequence 100..110, next is 111
  EXPECT_FALSE(history.differs(100, "hello", 111));
  EXPECT_FALSE(history.differs(106, "world", 111));
  EXPECT_TRUE(history.differs(106, "w0rld", 111));
}

TEST(DeliveredHistory, ForgetsBytesOlderThanItsCapacity) {
  DeliveredHistory history(4);
  history.record("abcdef");  // sequence 0..5; only "cdef" is kept
  EXPECT_FALSE(history.differs(0, "XY", 6));  // too old to check
  EXPECT_FALSE(history.differs(2, "cdef", 6));
  EXPECT_TRUE(history.differs(2, "cdeX", 6));
  history.record("gh");  // the ring wraps: "efgh"
  EXPECT_FALSE(history.differs(4, "efgh", 8));
  EXPECT_TRUE(history.differs(4, "Efgh", 8));
}

TEST(DeliveredHistory, ClearAndZeroCapacityCompareNothing) {
  DeliveredHistory history(8);
  history.record("abc");
  history.clear();
  EXPECT_FALSE(history.differs(0, "xyz", 3));
  DeliveredHistory none(0);
  none.record("abc");
  EXPECT_FALSE(none.differs(0, "xyz", 3));
}

}  // namespace
}  // namespace sluice::reassembly
