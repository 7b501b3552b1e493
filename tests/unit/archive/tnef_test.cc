// TNEF (winmail.dat) walking: attachments as entries (names from attAttachTitle and the MAPI
// long/short filenames, bytes from attAttachData or PR_ATTACH_DATA_BIN/OBJ), 1-byte feeds,
// checksums, truncation, hostile MAPI blocks, an archive inside a TNEF, an embedded message, and
// the expander's limits. TNEF bytes are built in-test by TnefWriter (MS-OXTNEF 2.1.3).
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/archive/archive_test_support.h"

namespace sluice::archive::test {
namespace {

using E = ArchiveEvent;

void pad4(std::string& out) {
  while (out.size() % 4 != 0) out.push_back('\0');
}

// Attribute ids (type << 16 | tag) and MAPI property ids and types used below.
constexpr uint32_t kAttTnefVersion = 0x00089006;
constexpr uint32_t kAttOemCodepage = 0x00069007;
constexpr uint32_t kAttSubject = 0x00018004;
constexpr uint32_t kAttMsgProps = 0x00069003;
constexpr uint32_t kAttAttachRendData = 0x00069002;
constexpr uint32_t kAttAttachTitle = 0x00018010;
constexpr uint32_t kAttAttachData = 0x0006800F;
constexpr uint32_t kAttAttachment = 0x00069005;
constexpr uint8_t kMessage = 1;
constexpr uint8_t kAttachment = 2;
constexpr uint16_t kPrAttachDataBin = 0x3701;
constexpr uint16_t kPrAttachFilename = 0x3704;
constexpr uint16_t kPrAttachLongFilename = 0x3707;
constexpr uint16_t kPrDisplayName = 0x3001;
constexpr uint16_t kPrAttachMethod = 0x3705;
constexpr uint16_t kPrSubject = 0x0037;
constexpr uint16_t kPtLong = 0x0003;
constexpr uint16_t kPtSystime = 0x0040;
constexpr uint16_t kPtString8 = 0x001E;
constexpr uint16_t kPtUnicode = 0x001F;
constexpr uint16_t kPtBinary = 0x0102;
constexpr uint16_t kPtObject = 0x000D;
constexpr uint16_t kPtMvLong = 0x1003;
constexpr uint16_t kPtMvString8 = 0x101E;
// IID_IMessage {00020307-0000-0000-C000-000000000046}: a PT_OBJECT holding an embedded message.
const std::string kIidIMessage("\x07\x03\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 16);

// A MAPI property block (MS-OXTNEF 2.1.3.5): a count, then tag + value per property, variable
// values as count 1, length, bytes, padding to 4.
class MapiProps {
 public:
  MapiProps& fixed32(uint16_t id, uint32_t value) {
    tag(kPtLong, id);
    put32(body_, value);
    return *this;
  }
  MapiProps& time(uint16_t id) {
    tag(kPtSystime, id);
    body_.append(8, '\x01');
    return *this;
  }
  MapiProps& string8(uint16_t id, std::string_view s) {
    return variable(kPtString8, id, std::string(s) + '\0');
  }
  MapiProps& unicode(uint16_t id, std::u16string_view s) {
    std::string bytes;
    for (char16_t c : s) put16(bytes, c);
    put16(bytes, 0);
    return variable(kPtUnicode, id, bytes);
  }
  MapiProps& binary(uint16_t id, std::string_view bytes) { return variable(kPtBinary, id, bytes); }
  MapiProps& object(uint16_t id, std::string_view bytes) {
    return variable(kPtObject, id, kIidIMessage + std::string(bytes));
  }
  // A named property (id >= 0x8000): GUID, kind 0 and a numeric id, then a PT_LONG value.
  MapiProps& named_by_id() {
    tag(kPtLong, 0x8001);
    body_.append(16, '\x11');
    put32(body_, 0);
    put32(body_, 0x8513);
    put32(body_, 7);
    return *this;
  }
  // A named property with a string name (kind 1), whose value is a string.
  MapiProps& named_by_name(std::u16string_view name, std::string_view value) {
    tag(kPtString8, 0x8002);
    body_.append(16, '\x22');
    put32(body_, 1);
    std::string utf16;
    for (char16_t c : name) put16(utf16, c);
    put32(body_, static_cast<uint32_t>(utf16.size()));
    body_ += utf16;
    pad4(body_);
    value_list(std::string(value) + '\0');
    return *this;
  }
  MapiProps& multi_long(uint16_t id, std::initializer_list<uint32_t> values) {
    tag(kPtMvLong, id);
    put32(body_, static_cast<uint32_t>(values.size()));
    for (uint32_t v : values) put32(body_, v);
    return *this;
  }
  MapiProps& multi_string8(uint16_t id, std::initializer_list<std::string_view> values) {
    tag(kPtMvString8, id);
    put32(body_, static_cast<uint32_t>(values.size()));
    for (std::string_view v : values) {
      put32(body_, static_cast<uint32_t>(v.size()));
      body_ += v;
      pad4(body_);
    }
    return *this;
  }
  MapiProps& raw(std::string_view bytes) {
    body_ += bytes;
    ++count_;
    return *this;
  }
  std::string block() const { return block_with_count(count_); }
  std::string block_with_count(uint32_t count) const {
    std::string out;
    put32(out, count);
    return out + body_;
  }

 private:
  void tag(uint16_t type, uint16_t id) {
    put32(body_, static_cast<uint32_t>(id) << 16 | type);
    ++count_;
  }
  MapiProps& variable(uint16_t type, uint16_t id, std::string_view bytes) {
    tag(type, id);
    value_list(bytes);
    return *this;
  }
  void value_list(std::string_view bytes) {
    put32(body_, 1);
    put32(body_, static_cast<uint32_t>(bytes.size()));
    body_ += bytes;
    pad4(body_);
  }
  std::string body_;
  uint32_t count_ = 0;
};

// A TNEF stream, attribute by attribute, each with its checksum (sum of data bytes mod 65536).
class TnefWriter {
 public:
  TnefWriter() {
    put32(bytes_, 0x223E9F78);
    put16(bytes_, 0x0001);  // legacy key
  }
  TnefWriter& attribute(uint8_t level, uint32_t id, std::string_view data, uint16_t checksum_error = 0) {
    bytes_.push_back(static_cast<char>(level));
    put32(bytes_, id);
    put32(bytes_, static_cast<uint32_t>(data.size()));
    bytes_ += data;
    uint16_t sum = 0;
    for (char c : data) sum = static_cast<uint16_t>(sum + static_cast<uint8_t>(c));
    put16(bytes_, static_cast<uint16_t>(sum + checksum_error));
    return *this;
  }
  // What Outlook writes before the attachments: version, code page, a subject, message props.
  TnefWriter& message_header() {
    std::string version, codepage;
    put32(version, 0x00010000);
    put32(codepage, 1252);
    put32(codepage, 0);
    attribute(kMessage, kAttTnefVersion, version);
    attribute(kMessage, kAttOemCodepage, codepage);
    attribute(kMessage, kAttSubject, std::string("quarterly report") + '\0');
    return attribute(kMessage, kAttMsgProps,
                     MapiProps().string8(kPrSubject, "quarterly report").time(0x0E06).block());
  }
  TnefWriter& rend_data() {
    std::string rend;
    put16(rend, 1);  // attachment type: file
    put32(rend, 0xffffffff);
    put16(rend, 0);
    put16(rend, 0);
    put32(rend, 0);
    return attribute(kAttachment, kAttAttachRendData, rend);
  }
  TnefWriter& title(std::string_view name) {
    return attribute(kAttachment, kAttAttachTitle, std::string(name) + '\0');
  }
  TnefWriter& data(std::string_view bytes) { return attribute(kAttachment, kAttAttachData, bytes); }
  TnefWriter& properties(const MapiProps& props) {
    return attribute(kAttachment, kAttAttachment, props.block());
  }
  // The usual order: render data, title, data, then the MAPI properties with the long name.
  TnefWriter& attach(std::string_view name, std::string_view bytes) {
    return rend_data().title(name).data(bytes).properties(
        MapiProps().fixed32(kPrAttachMethod, 1).string8(kPrAttachLongFilename, name));
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

void expect_well_formed(const Expansion& x) {
  EXPECT_TRUE(x.order_errors.empty()) << x.order_errors.front();
  EXPECT_TRUE(x.all_closed);
}

TEST(Tnef, SignatureIsDetected) {
  EXPECT_EQ(detect_archive(TnefWriter().bytes()), ArchiveFormat::Tnef);
  EXPECT_EQ(detect_archive(std::string_view("\x78\x9F\x3E", 3)), ArchiveFormat::None);
}

TEST(Tnef, OneAttachmentNameAndBytes) {
  const std::string tnef = TnefWriter().message_header().attach("notes.txt", "hello, world").bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "notes.txt", "hello, world"}}));
  EXPECT_EQ(x.events, 0u);
  EXPECT_EQ(x.entry_count, 1u);
  expect_well_formed(x);
}

TEST(Tnef, ThreeAttachmentsInOrder) {
  const std::string big(200000, 'b');  // larger than one 64 KiB window
  const std::string tnef = TnefWriter()
                               .message_header()
                               .attach("a.txt", "first")
                               .attach("invoice.exe", "MZ\x90\x00 second")
                               .attach("big.bin", big)
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  const std::vector<Entry> want = {
      {1, "a.txt", "first"}, {1, "invoice.exe", "MZ\x90\x00 second"}, {1, "big.bin", big}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, OneByteFeedsEqualOneShot) {
  const std::string inputs[] = {
      TnefWriter().message_header().attach("a.txt", "first").attach("b.txt", std::string(70000, 'x')).bytes(),
      TnefWriter()
          .rend_data()
          .title("SHORT~1.TXT")
          .data("payload")
          .properties(MapiProps().named_by_name(u"Keywords", "k").unicode(kPrAttachLongFilename, u"long name.txt"))
          .bytes(),
      TnefWriter().rend_data().properties(MapiProps().binary(kPrAttachDataBin, "in the block")).bytes()};
  for (const std::string& input : inputs) {
    const Expansion whole = expand(ArchiveFormat::Tnef, input);
    const Expansion bytewise = expand(ArchiveFormat::Tnef, input, 1);
    EXPECT_FALSE(whole.entries.empty());
    EXPECT_EQ(bytewise.entries, whole.entries);
    EXPECT_EQ(bytewise.events, whole.events);
    EXPECT_EQ(whole.events, 0u);
    expect_well_formed(bytewise);
  }
}

TEST(Tnef, LongFilenameBeforeDataNamesTheEntry) {
  // attAttachment first, its long name differing from the 8.3 title: the data takes the long
  // name, the title reaches the sink as an empty entry when the attachment ends.
  const std::string tnef = TnefWriter()
                               .rend_data()
                               .properties(MapiProps().unicode(kPrAttachLongFilename, u"invoice.exe"))
                               .title("INVOIC~1.EXE")
                               .data("MZ")
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "invoice.exe", "MZ"}, {1, "INVOIC~1.EXE", ""}}));
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, LongFilenameAfterDataIsReportedAsAnEntryOfItsOwn) {
  // Outlook's order: the data is already reported under the title when the long name arrives.
  const std::string tnef = TnefWriter()
                               .rend_data()
                               .title("invoice.txt")
                               .data("MZ payload")
                               .properties(MapiProps()
                                               .fixed32(kPrAttachMethod, 1)
                                               .string8(kPrAttachFilename, "invoice.txt")
                                               .unicode(kPrAttachLongFilename, u"invoice.exe"))
                               .attach("next.txt", "next")
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  const std::vector<Entry> want = {
      {1, "invoice.txt", "MZ payload"}, {1, "invoice.exe", ""}, {1, "next.txt", "next"}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, ALateNameIsReportedAtOnceNotOnlyWhenTheAttachmentEnds) {
  // A second title after the data, then more data that trips the size limit: the attachment
  // never ends normally, yet its late name already reached the sink.
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = 100;
  const std::string tnef = TnefWriter()
                               .rend_data()
                               .properties(MapiProps().string8(kPrAttachLongFilename, "a.txt"))
                               .data("first")
                               .title("a.exe")
                               .data(std::string(200, 'y'))
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef, 0, limits);
  const std::vector<Entry> want = {{1, "a.txt", "first"}, {1, "a.exe", ""}, {1, "a.txt", std::string(95, 'y')}};
  EXPECT_EQ(x.entries, want);
  EXPECT_EQ(x.events, bits({E::OversizeLimit}));
  expect_well_formed(x);
}

TEST(Tnef, NamesWithoutDataStillReachTheSink) {
  const std::string tnef = TnefWriter().rend_data().title("run.bat").rend_data().title("b.txt").data("b").bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "run.bat", ""}, {1, "b.txt", "b"}}));
  expect_well_formed(x);
}

TEST(Tnef, TitleEndsAtItsFirstNul) {
  // What a MUA shows and saves is the C string: the filter must see "evil.exe", not ".txt".
  const std::string tnef = TnefWriter().rend_data().title(std::string("evil.exe\0.txt", 13)).data("x").bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "evil.exe", "x"}}));
}

TEST(Tnef, UnicodeLongFilenameIsUtf8) {
  const std::string tnef =
      TnefWriter()
          .rend_data()
          .properties(MapiProps().unicode(kPrAttachLongFilename, u"r\u00e9sum\u00e9 \u202e\U0001F600.exe"))
          .data("x")
          .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  ASSERT_EQ(x.entries.size(), 1u);
  EXPECT_EQ(x.entries[0].name, "r\xC3\xA9sum\xC3\xA9 \xE2\x80\xAE\xF0\x9F\x98\x80.exe");
}

TEST(Tnef, DataInTheMapiBlockIsAnEntry) {
  // Long name before the data property: one entry; data before it (sorted by tag, as many
  // writers do): the data under the title, the long name as its own entry.
  const std::string named_first =
      TnefWriter()
          .rend_data()
          .properties(MapiProps()
                          .named_by_id()
                          .multi_long(0x1234, {1, 2, 3})
                          .multi_string8(0x1235, {"a", "bcde"})
                          .string8(kPrAttachLongFilename, "tool.scr")
                          .binary(kPrAttachDataBin, "bytes in the block"))
          .bytes();
  Expansion x = expand(ArchiveFormat::Tnef, named_first);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "tool.scr", "bytes in the block"}}));
  EXPECT_EQ(x.events, 0u);
  const std::string data_first = TnefWriter()
                                     .rend_data()
                                     .title("TOOL~1.SCR")
                                     .properties(MapiProps()
                                                     .binary(kPrAttachDataBin, "bytes")
                                                     .string8(kPrAttachLongFilename, "tool.scr"))
                                     .bytes();
  x = expand(ArchiveFormat::Tnef, data_first);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "TOOL~1.SCR", "bytes"}, {1, "tool.scr", ""}}));
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, EmbeddedMessageIsExpandedOneLevelDeeper) {
  // PR_ATTACH_DATA_OBJ: the IID, then the embedded message as a TNEF stream of its own.
  const std::string inner = TnefWriter().message_header().attach("inner.exe", "inner bytes").bytes();
  const std::string tnef = TnefWriter()
                               .rend_data()
                               .properties(MapiProps()
                                               .string8(kPrDisplayName, "Fwd: report")
                                               .fixed32(kPrAttachMethod, 5)
                                               .object(kPrAttachDataBin, inner))
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "", inner}, {2, "inner.exe", "inner bytes"}}));
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, ZipInsideTnefIsExpanded) {
  const std::string zip = zip_of("run.exe", "zipped payload");
  const std::string tnef = TnefWriter().message_header().attach("docs.zip", zip).bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef, 7);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "docs.zip", zip}, {2, "run.exe", "zipped payload"}}));
  EXPECT_EQ(x.events, 0u);
  expect_well_formed(x);
}

TEST(Tnef, BadChecksumFlagsCorruptButReportsTheData) {
  const std::string tnef = TnefWriter()
                               .rend_data()
                               .title("a.txt")
                               .attribute(kAttachment, kAttAttachData, "tampered", /*checksum_error=*/1)
                               .attach("b.txt", "still read")
                               .bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "a.txt", "tampered"}, {1, "b.txt", "still read"}}));
  EXPECT_EQ(x.events, bits({E::Corrupt}));
  expect_well_formed(x);
}

TEST(Tnef, TruncatedInputIsCorruptAndClosed) {
  const std::string tnef = TnefWriter().rend_data().title("cut.exe").data(std::string(1000, 'c')).bytes();
  // Cut inside the data (the attribute claims more than the input has), inside the checksum,
  // and inside the next attribute's header.
  const size_t data_end = tnef.size() - 2;
  for (size_t cut : {data_end - 500, data_end, data_end + 1}) {
    SCOPED_TRACE(cut);
    const Expansion x = expand(ArchiveFormat::Tnef, tnef.substr(0, cut), 64);
    ASSERT_EQ(x.entries.size(), 1u);
    EXPECT_EQ(x.entries[0].name, "cut.exe");
    EXPECT_EQ(x.entries[0].data, std::string(std::min<size_t>(cut - (data_end - 1000), 1000), 'c'));
    EXPECT_EQ(x.events, bits({E::Corrupt}));
    expect_well_formed(x);
  }
  const Expansion header_cut = expand(ArchiveFormat::Tnef, tnef + "\x02\x0F\x80", 1);
  EXPECT_EQ(header_cut.events, bits({E::Corrupt}));
  const Expansion title_cut = expand(ArchiveFormat::Tnef, TnefWriter().rend_data().title("cut.exe").bytes().substr(0, 40));
  EXPECT_EQ(title_cut.events, bits({E::Corrupt}));
  expect_well_formed(title_cut);
}

TEST(Tnef, NotTnefIsCorruptWithoutEntries) {
  const Expansion x = expand(ArchiveFormat::Tnef, "PK\x03\x04 not a tnef stream");
  EXPECT_TRUE(x.entries.empty());
  EXPECT_EQ(x.events, bits({E::Corrupt}));
}

TEST(Tnef, MapiBlockWithOverrunningCountStopsThatBlockOnly) {
  MapiProps props;
  props.string8(kPrAttachLongFilename, "ignored.exe");
  const std::string absurd = props.block_with_count(0xFFFFFFFF);
  std::string overrun_value;  // one PT_BINARY whose length runs past the block
  put32(overrun_value, 1);
  put32(overrun_value, static_cast<uint32_t>(kPrAttachDataBin) << 16 | kPtBinary);
  put32(overrun_value, 1);
  put32(overrun_value, 0x7FFFFFF0);
  overrun_value += "short";
  std::string many_values;  // a multi-valued property claiming 2^32-1 values
  put32(many_values, 1);
  put32(many_values, static_cast<uint32_t>(0x1234) << 16 | kPtMvLong);
  put32(many_values, 0xFFFFFFFF);
  std::string unknown_type;  // a type whose size is unknown: the rest cannot be found
  put32(unknown_type, 2);
  put32(unknown_type, static_cast<uint32_t>(0x1234) << 16 | 0x0999);
  put32(unknown_type, 0);
  for (const std::string& block : {absurd, overrun_value, many_values, unknown_type}) {
    const std::string tnef = TnefWriter()
                                 .rend_data()
                                 .title("first.txt")
                                 .data("one")
                                 .attribute(kAttachment, kAttAttachment, block)
                                 .attach("second.txt", "two")
                                 .bytes();
    for (size_t chunk : {0, 1}) {
      const Expansion x = expand(ArchiveFormat::Tnef, tnef, chunk);
      EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "first.txt", "one"}, {1, "second.txt", "two"}}));
      EXPECT_EQ(x.events, bits({E::Corrupt}));
      expect_well_formed(x);
    }
  }
}

TEST(Tnef, MapiBlockCutShortIsCorrupt) {
  // Two properties announced, one present: the block ends inside what it promised.
  const std::string block = MapiProps().fixed32(kPrAttachMethod, 1).block_with_count(2);
  const std::string tnef =
      TnefWriter().rend_data().attribute(kAttachment, kAttAttachment, block).attach("b.txt", "b").bytes();
  const Expansion x = expand(ArchiveFormat::Tnef, tnef);
  EXPECT_EQ(x.entries, (std::vector<Entry>{{1, "b.txt", "b"}}));
  EXPECT_EQ(x.events, bits({E::Corrupt}));
}

TEST(Tnef, EntryLimitHolds) {
  TnefWriter w;
  for (int i = 0; i < 10; ++i) w.attach("f" + std::to_string(i) + ".txt", "x");
  ArchiveLimits limits;
  limits.max_entries = 4;
  const Expansion x = expand(ArchiveFormat::Tnef, w.bytes(), 0, limits);
  EXPECT_EQ(x.entries.size(), 4u);
  EXPECT_EQ(x.events, bits({E::EntryLimit}));
  EXPECT_TRUE(is_bomb(x.events));
  expect_well_formed(x);
}

TEST(Tnef, OversizeLimitCutsExactly) {
  ArchiveLimits limits;
  limits.uncompressed_oversize_limit = 1000;
  const std::string tnef = TnefWriter().attach("a.bin", std::string(600, 'a')).attach("b.bin", std::string(600, 'b')).bytes();
  for (size_t chunk : {0, 1}) {
    const Expansion x = expand(ArchiveFormat::Tnef, tnef, chunk, limits);
    EXPECT_EQ(x.events, bits({E::OversizeLimit}));
    EXPECT_EQ(x.expanded_bytes, 1000u);
    ASSERT_EQ(x.entries.size(), 2u);
    EXPECT_EQ(x.entries[1].data, std::string(400, 'b'));
    expect_well_formed(x);
  }
}

TEST(Tnef, NestingDepthLimitHolds) {
  // A TNEF in a TNEF in ... deeper than max_depth: DepthLimit, like zip-in-zip.
  std::string tnef = TnefWriter().attach("leaf.txt", "leaf").bytes();
  for (int i = 0; i < 6; ++i) tnef = TnefWriter().attach("winmail.dat", tnef).bytes();
  ArchiveLimits limits;
  limits.max_depth = 3;
  const Expansion x = expand(ArchiveFormat::Tnef, tnef, 0, limits);
  EXPECT_EQ(x.events, bits({E::DepthLimit}));
  expect_well_formed(x);
}

}  // namespace
}  // namespace sluice::archive::test
