// tests/adversarial/limits/tnef_test.cc — THREATS.md MIME-11, last form: an `application/ms-tnef` part (winmail.dat,
// base64) through the live relay. Its attachments are expanded as archive entries, so the attachment filter sees
// their names and the anti-virus their bytes: `invoice.exe` inside → `550 5.7.1 … attachment-filter:exe:invoice.exe`;
// the long filename `invoice.exe` arriving after the data (Outlook's order) under an innocent title → the same;
// EICAR under a benign name → `550` antivirus; a benign `notes.txt` → the backend's 250, stored byte for byte. In
// every refusal the backend stores nothing. Every setting a row depends on is written out.
// May call: the conversation harness, mime_messages.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/adversarial/limits/mime_messages.h"
#include "tests/adversarial/limits/relay_conversation.h"
#include "tests/unit/archive/archive_test_support.h"

namespace sluice::testing {
namespace {

const std::string kBenign = "quarterly figures, nothing in this attachment is harmful to anyone";

// ---- TNEF bytes (MS-OXTNEF 2.1.3), as Outlook writes an attachment ----------------------------------------------

using archive::test::put16;
using archive::test::put32;

// level, id, length, data, checksum (sum of the data bytes mod 65536)
void attribute(std::string& out, uint8_t level, uint32_t id, std::string_view data) {
  out.push_back(static_cast<char>(level));
  put32(out, id);
  put32(out, static_cast<uint32_t>(data.size()));
  out += data;
  uint16_t sum = 0;
  for (char c : data) sum = static_cast<uint16_t>(sum + static_cast<uint8_t>(c));
  put16(out, sum);
}

// One attachment: attAttachRendData, attAttachTitle, attAttachData, then attAttachment holding
// PR_ATTACH_LONG_FILENAME (PT_STRING8) — the long name comes after the data, as Outlook orders it.
std::string winmail_dat(std::string_view title, std::string_view long_name, std::string_view bytes) {
  std::string tnef;
  put32(tnef, 0x223E9F78);  // signature
  put16(tnef, 0x0001);      // legacy key
  std::string version;
  put32(version, 0x00010000);
  attribute(tnef, 1, 0x00089006, version);  // attTnefVersion
  std::string rend;
  put16(rend, 1);
  put32(rend, 0xffffffff);
  put32(rend, 0);
  put32(rend, 0);
  attribute(tnef, 2, 0x00069002, rend);  // attAttachRendData
  attribute(tnef, 2, 0x00018010, std::string(title) + '\0');  // attAttachTitle
  attribute(tnef, 2, 0x0006800F, bytes);  // attAttachData
  std::string props;
  put32(props, 1);
  put32(props, 0x3707u << 16 | 0x001E);  // PR_ATTACH_LONG_FILENAME, PT_STRING8
  put32(props, 1);
  const std::string name = std::string(long_name) + '\0';
  put32(props, static_cast<uint32_t>(name.size()));
  props += name;
  while (props.size() % 4 != 0) props.push_back('\0');
  attribute(tnef, 2, 0x00069005, props);  // attAttachment
  return tnef;
}

std::string tnef_message(std::string_view title, std::string_view long_name, std::string_view bytes) {
  return message_with_attachment("winmail.dat", "application/ms-tnef", winmail_dat(title, long_name, bytes));
}

// ---- conversation --------------------------------------------------------------------------------------------

std::string config() {
  return limits_config(
      {.protocol_options = "  set hold-limit 1024\n  set oversize-limit 10\n",
       .archive = "  set max-depth 5\n  set max-entries 1000\n  set uncompressed-oversize-limit 10\n"
                  "  set max-ratio 100\n  set ratio-floor 1024\n  set max-name-length 1024\n  set bomb-action reject\n",
       .extra = "config antivirus\n  set builtin-eicar enable\n  set action reject\nend\n"
                "config attachment-filter\n  set status enable\n  set banned-extensions exe com scr bat\n"
                "  set action reject\n  set archive-entries enable\nend\n"});
}

struct Outcome {
  std::string reply;
  std::vector<std::string> delivered;   // the backend's messages (still dot-stuffed)
  std::vector<std::string> reasons;     // the record's verdict reasons
  std::vector<std::string> hit_places;  // where each rule hit: "winmail.dat/<entry>" for a TNEF member
};

Outcome send_message(const std::string& content) {
  RelayConversation c(config());
  Outcome o;
  EXPECT_TRUE(c.ok()) << c.error();
  if (!c.ok() || !c.open() || !c.start_message()) return o;
  o.reply = c.exchange(dot_stuffed(content) + ".\r\n", 60);
  c.settle(0.05);
  o.delivered = c.backend().messages;
  if (!c.records().empty()) {
    o.reasons = c.records().back().verdict.reasons;
    for (const scan::HitRecord& h : c.records().back().hits) o.hit_places.push_back(h.where);
  }
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += e + " ";
  return s;
}

TEST(Mime11Tnef, ExeInsideWinmailDatIsRefusedByName) {
  const Outcome o = send_message(tnef_message("invoice.exe", "invoice.exe", kBenign));
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: attachment-filter:exe:invoice.exe")) << o.reply;
  EXPECT_NE(std::find(o.reasons.begin(), o.reasons.end(), "attachment-filter:exe:invoice.exe"), o.reasons.end())
      << joined(o.reasons);
  EXPECT_TRUE(o.delivered.empty()) << "the backend stored nothing";
}

TEST(Mime11Tnef, ExeLongFilenameAfterTheDataIsRefusedByName) {
  // The 8.3 title says .txt; the MAPI long filename, written after the data, says .exe.
  const Outcome o = send_message(tnef_message("invoice.txt", "invoice.exe", kBenign));
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: attachment-filter:exe:invoice.exe")) << o.reply;
  EXPECT_TRUE(o.delivered.empty()) << "the backend stored nothing";
}

TEST(Mime11Tnef, EicarUnderABenignNameIsFoundByTheAntivirus) {
  const Outcome o = send_message(tnef_message("notes.txt", "notes.txt", kEicar));
  EXPECT_TRUE(o.reply.starts_with("550 5.7.1 Message rejected: antivirus:")) << o.reply;
  // Found in the member itself, not only somewhere in the winmail.dat's raw bytes.
  EXPECT_NE(std::find(o.hit_places.begin(), o.hit_places.end(), "winmail.dat/notes.txt"), o.hit_places.end())
      << joined(o.hit_places);
  EXPECT_TRUE(o.delivered.empty()) << "the backend stored nothing";
}

TEST(Mime11Tnef, BenignWinmailDatIsDeliveredByteForByte) {
  const std::string content = tnef_message("notes.txt", "notes.txt", kBenign);
  const Outcome o = send_message(content);
  EXPECT_EQ(o.reply, "250 2.0.0 Ok: queued as 1\r\n") << joined(o.reasons);
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0], as_relayed(content));
}

}  // namespace
}  // namespace sluice::testing
