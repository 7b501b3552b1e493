#include <gtest/gtest.h>

#include "scan/mime/uu_decoder.h"

namespace sluice::mime {
namespace {

TEST(UuDecoder, DecodesBlockWithFilename) {
  UuDecoder d;
  std::string out;
  EXPECT_EQ(d.line("some text", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("begin 644 cat.txt", out), UuDecoder::Event::Begin);
  EXPECT_EQ(d.filename(), "cat.txt");
  EXPECT_EQ(d.line("#0V%T", out), UuDecoder::Event::Data);
  EXPECT_EQ(d.line("`", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("end", out), UuDecoder::Event::End);
  EXPECT_EQ(out, "Cat");
  EXPECT_FALSE(d.in_block());
}

TEST(UuDecoder, RejectsMalformedBegin) {
  UuDecoder d;
  std::string out;
  EXPECT_EQ(d.line("begin 64 x", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("begin 644", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("begin 6a4 x", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("beginning 644 x", out), UuDecoder::Event::None);
  EXPECT_EQ(d.line("begin 0755 run me.exe  ", out), UuDecoder::Event::Begin);
  EXPECT_EQ(d.filename(), "run me.exe");
}

TEST(UuDecoder, ShortLineNeverReadsPastItsEnd) {
  UuDecoder d;
  std::string out;
  d.line("begin 644 x", out);
  EXPECT_EQ(d.line("M", out), UuDecoder::Event::None);   // claims 45 bytes, carries none
  EXPECT_EQ(d.line("M00", out), UuDecoder::Event::Data);  // claims 45, carries 3 chars
  EXPECT_EQ(out.size(), 3u);
}

}  // namespace
}  // namespace sluice::mime
