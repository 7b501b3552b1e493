#include "scan/engine/content_type.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::engine {
namespace {

using namespace std::string_literals;

TEST(ContentType, MagicNumbers) {
  EXPECT_EQ(sniff_content_type("MZ\x90\x00\x03\x00\x00\x00"s), ContentType::Pe);
  EXPECT_EQ(sniff_content_type("\x7f" "ELF\x02\x01\x01"s), ContentType::Elf);
  EXPECT_EQ(sniff_content_type("\xcf\xfa\xed\xfe\x07\x00\x00\x01"s), ContentType::MachO);
  EXPECT_EQ(sniff_content_type("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"s), ContentType::Ole2);
  EXPECT_EQ(sniff_content_type("%PDF-1.7\n"), ContentType::Pdf);
  EXPECT_EQ(sniff_content_type("PK\x03\x04\x14\x00"s), ContentType::Zip);
  EXPECT_EQ(sniff_content_type("\x1f\x8b\x08\x00"s), ContentType::Gzip);
  EXPECT_EQ(sniff_content_type("BZh91AY&SY"), ContentType::Bzip2);
  EXPECT_EQ(sniff_content_type("GIF89a\x01\x00"s), ContentType::Graphics);
  EXPECT_EQ(sniff_content_type("\x89PNG\r\n\x1a\n\x00\x00"s), ContentType::Graphics);
  EXPECT_EQ(sniff_content_type("\xff\xd8\xff\xe0"s), ContentType::Graphics);
  EXPECT_EQ(sniff_content_type("CWS\x0a\x00\x00"s), ContentType::Flash);
  EXPECT_EQ(sniff_content_type("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00"s),
            ContentType::Graphics);
  EXPECT_EQ(sniff_content_type("BMW drivers unite"), ContentType::Text);
}

TEST(ContentType, CafebabeSeparatesJavaFromUniversalMachO) {
  EXPECT_EQ(sniff_content_type("\xca\xfe\xba\xbe\x00\x00\x00\x34"s), ContentType::Java);
  EXPECT_EQ(sniff_content_type("\xca\xfe\xba\xbe\x00\x00\x00\x02"s), ContentType::MachO);
}

TEST(ContentType, TextAndHtml) {
  EXPECT_EQ(sniff_content_type("Hello, world.\r\n"), ContentType::Text);
  EXPECT_EQ(sniff_content_type("  <HTML><body>"), ContentType::Html);
  EXPECT_EQ(sniff_content_type("<!DOCTYPE html>\n"), ContentType::Html);
  EXPECT_EQ(sniff_content_type("<!DOCTYPE h"), ContentType::Html);  // cut by the window
  EXPECT_EQ(sniff_content_type("caf\xc3\xa9 au lait"), ContentType::Text);
  EXPECT_EQ(sniff_content_type("text\0with NUL"s), ContentType::Unknown);
  EXPECT_EQ(sniff_content_type("\x01\x02\x03\x04\x05 abc"), ContentType::Unknown);
  EXPECT_EQ(sniff_content_type(""), ContentType::Unknown);
}

TEST(ContentType, Names) {
  EXPECT_STREQ(content_type_name(ContentType::Pe), "pe");
  EXPECT_STREQ(content_type_name(ContentType::MachO), "mach-o");
  EXPECT_STREQ(content_type_name(ContentType::Unknown), "unknown");
}

TEST(ContentType, TargetTypeMasks) {
  ContentMask mask = 0;
  ASSERT_TRUE(target_type_mask(0, &mask));
  EXPECT_EQ(mask, kAnyContent);
  for (unsigned textual : {3u, 4u, 7u}) {
    ASSERT_TRUE(target_type_mask(textual, &mask));
    EXPECT_EQ(mask, content_bit(ContentType::Text) | content_bit(ContentType::Html)) << textual;
  }
  ASSERT_TRUE(target_type_mask(1, &mask));
  EXPECT_EQ(mask, content_bit(ContentType::Pe));
  ASSERT_TRUE(target_type_mask(12, &mask));
  EXPECT_EQ(mask, content_bit(ContentType::Java));
  EXPECT_FALSE(target_type_mask(8, &mask));
  EXPECT_FALSE(target_type_mask(13, &mask));
}

// A DOS header always has a NUL in its first 16 bytes; text that happens to start with "MZ" does not, and must not be
// claimed an executable (the attachment filter refuses executables by content). Shorter streams keep ClamAV's reading.
TEST(ContentType, MzNeedsADosHeaderToBeAnExecutable) {
  EXPECT_EQ(sniff_content_type("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"s), ContentType::Pe);
  EXPECT_EQ(sniff_content_type("MZ Travel itinerary for next week"), ContentType::Text);
  EXPECT_EQ(sniff_content_type("MZABCD"), ContentType::Pe);
  EXPECT_TRUE(is_executable(ContentType::Pe));
  EXPECT_TRUE(is_executable(ContentType::Elf));
  EXPECT_TRUE(is_executable(ContentType::MachO));
  EXPECT_FALSE(is_executable(ContentType::Ole2));
}

TEST(ContentType, DiskImages) {
  EXPECT_EQ(sniff_content_type("conectix\x00\x00\x00\x02\x00\x01\x00\x00"s), ContentType::DiskImage);
  EXPECT_EQ(sniff_content_type("vhdxfile\x00\x00\x00\x00\x00\x00\x00\x00"s), ContentType::DiskImage);
  EXPECT_EQ(sniff_content_type("QFI\xfb\x00\x00\x00\x03"s), ContentType::DiskImage);
  EXPECT_EQ(sniff_content_type("KDMV\x01\x00\x00\x00"s), ContentType::DiskImage);
  // FAT (mkfs.fat), NTFS: jump, OEM name, 512 bytes per sector at offset 11.
  EXPECT_EQ(sniff_content_type("\xeb\x3c\x90mkfs.fat\x00\x02\x04\x01\x00"s), ContentType::DiskImage);
  EXPECT_EQ(sniff_content_type("\xeb\x52\x90NTFS    \x00\x02\x08\x00\x00"s), ContentType::DiskImage);
  // The same jump without a sector size is not a boot sector.
  EXPECT_NE(sniff_content_type("\xeb\x3c\x90mkfs.fat\x00\x03\x04\x01\x00"s), ContentType::DiskImage);
  EXPECT_STREQ(content_type_name(ContentType::DiskImage), "disk-image");
}

}  // namespace
}  // namespace sluice::engine
