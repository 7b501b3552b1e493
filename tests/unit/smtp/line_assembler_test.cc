// tests/unit/smtp/line_assembler_test.cc — CRLF-only line cutting, pieces of
// over-long lines, resynchronisation after a gap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/smtp/line_assembler.h"

namespace sluice::smtp {
namespace {

// Each piece as "<text>" plus F (first), L (last), C (bare CR), N (bare LF).
std::vector<std::string> pieces(LineAssembler& lines, std::string_view input, size_t chunk) {
  std::vector<std::string> out;
  while (!input.empty()) {
    std::string_view part = input.substr(0, chunk);
    input.remove_prefix(part.size());
    while (!part.empty()) {
      bool ready = false;
      part.remove_prefix(lines.feed(part, ready));
      if (!ready) continue;
      const LinePiece& p = lines.piece();
      out.push_back("<" + std::string(p.text) + ">" + (p.first ? "F" : "") + (p.last ? "L" : "") +
                    (p.bare_cr ? "C" : "") + (p.bare_lf ? "N" : ""));
    }
  }
  return out;
}

std::vector<std::string> both(uint32_t max, std::string_view input) {
  LineAssembler whole(max);
  LineAssembler bytewise(max);
  const auto a = pieces(whole, input, input.size());
  EXPECT_EQ(a, pieces(bytewise, input, 1));
  return a;
}

TEST(LineAssembler, CutsAtCrLfOnly) {
  EXPECT_EQ(both(64, "EHLO a\r\nQUIT\r\n\r\n"),
            (std::vector<std::string>{"<EHLO a>FL", "<QUIT>FL", "<>FL"}));
}

TEST(LineAssembler, BareLfStaysInsideTheLine) {
  EXPECT_EQ(both(64, "RCPT TO:<a@b>\nDATA\r\n"),
            (std::vector<std::string>{"<RCPT TO:<a@b>\nDATA>FLN"}));
}

TEST(LineAssembler, BareCrStaysInsideTheLine) {
  EXPECT_EQ(both(64, "MAIL FROM:<a@b>\rRCPT TO:<c@d>\r\n"),
            (std::vector<std::string>{"<MAIL FROM:<a@b>\rRCPT TO:<c@d>>FLC"}));
}

TEST(LineAssembler, OverLongLineComesInPiecesWithoutLosingBytes) {
  EXPECT_EQ(both(4, "abcdefghij\r\nok\r\n"),
            (std::vector<std::string>{"<abcd>F", "<efgh>", "<ij>L", "<ok>FL"}));
}

TEST(LineAssembler, LineOfExactlyTheLimitIsOnePiece) {
  EXPECT_EQ(both(4, "abcd\r\n"), (std::vector<std::string>{"<abcd>FL"}));
}

TEST(LineAssembler, BareCrAtTheLimitStartsTheNextPiece) {
  EXPECT_EQ(both(4, "abcd\rX\r\n"), (std::vector<std::string>{"<abcd>F", "<\rX>LC"}));
}

TEST(LineAssembler, ResyncSkipsToTheNextLine) {
  LineAssembler lines(64);
  EXPECT_TRUE(pieces(lines, "MAIL FR", 64).empty());
  EXPECT_TRUE(lines.mid_line());
  lines.resync_at_next_line();
  EXPECT_EQ(pieces(lines, "OM:<x>\r\nRSET\r\n", 1), (std::vector<std::string>{"<RSET>FL"}));
  EXPECT_FALSE(lines.mid_line());
}

}  // namespace
}  // namespace sluice::smtp
