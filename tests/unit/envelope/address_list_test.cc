// AddressList and DomainSet: every entry form, case, the null sender, source routes.
#include "scan/envelope/address_list.h"

#include <gtest/gtest.h>

#include "scan/envelope/domain_set.h"

namespace sluice::scan::envelope {
namespace {

TEST(AddressList, ExactAddressMatchesThatAddressOnlyWhateverTheCase) {
  const AddressList list = AddressList::build({"Spammer@Example.org"});
  EXPECT_TRUE(list.matches("spammer@example.org"));
  EXPECT_TRUE(list.matches("SPAMMER@EXAMPLE.ORG"));
  EXPECT_FALSE(list.matches("other@example.org"));
  EXPECT_FALSE(list.matches("spammer@sub.example.org"));
  EXPECT_FALSE(list.matches("xspammer@example.org"));
}

TEST(AddressList, AtDomainAndBareDomainMeanEveryAddressOfThatDomainExactly) {
  for (const char* entry : {"@bulk.example", "bulk.example", "BULK.example"}) {
    const AddressList list = AddressList::build({entry});
    EXPECT_TRUE(list.matches("a@bulk.example")) << entry;
    EXPECT_TRUE(list.matches("B@Bulk.Example")) << entry;
    EXPECT_FALSE(list.matches("a@mx.bulk.example")) << entry;
    EXPECT_FALSE(list.matches("a@notbulk.example")) << entry;
    EXPECT_FALSE(list.matches("bulk.example")) << entry;  // no '@': no domain to compare
  }
}

TEST(AddressList, LeadingDotCoversTheDomainAndItsSubdomains) {
  const AddressList list = AddressList::build({".junk.example"});
  EXPECT_TRUE(list.matches("a@junk.example"));
  EXPECT_TRUE(list.matches("a@mx.junk.example"));
  EXPECT_TRUE(list.matches("a@A.B.JUNK.EXAMPLE"));
  EXPECT_FALSE(list.matches("a@xjunk.example"));
  EXPECT_FALSE(list.matches("a@example"));
}

TEST(AddressList, NullSenderAndEmptyListsMatchNothing) {
  const AddressList list = AddressList::build({"a@example.com", ".example.com"});
  EXPECT_FALSE(list.matches(""));
  EXPECT_FALSE(AddressList::build({}).matches("a@example.com"));
  EXPECT_TRUE(AddressList::build({}).empty());
  // Entries with nothing usable are dropped, not turned into match-alls.
  const AddressList junk = AddressList::build({"", "user@", ".", "@"});
  EXPECT_TRUE(junk.empty());
  EXPECT_FALSE(junk.matches("user@example.com"));
}

TEST(AddressList, SourceRouteAndTrailingDotAreIgnored) {
  const AddressList list = AddressList::build({"user@example.com", "partner.example"});
  EXPECT_TRUE(list.matches("@relay1.example,@relay2.example:user@example.com"));
  EXPECT_TRUE(list.matches("x@partner.example."));
  EXPECT_EQ(address_domain("@r.example:u@d.example"), "d.example");
  EXPECT_EQ(address_domain("postmaster"), "");
}

TEST(AddressList, QuotedLocalPartsCompareAsWritten) {
  const AddressList list = AddressList::build({"\"odd user\"@example.com"});
  EXPECT_TRUE(list.matches("\"Odd User\"@example.com"));
  EXPECT_FALSE(list.matches("odduser@example.com"));
}

TEST(DomainSet, ExactAndSubtreeEntries) {
  const DomainSet set = DomainSet::build({"Example.COM", ".example.net", "bücher.example"});
  EXPECT_TRUE(set.contains("example.com"));
  EXPECT_TRUE(set.contains("EXAMPLE.com."));
  EXPECT_FALSE(set.contains("mail.example.com"));
  EXPECT_TRUE(set.contains("example.net"));
  EXPECT_TRUE(set.contains("mail.Example.NET"));
  EXPECT_FALSE(set.contains("example.network"));
  EXPECT_FALSE(set.contains("badexample.net"));
  EXPECT_TRUE(set.contains("bücher.example"));  // UTF-8 compared byte for byte
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("."));
}

}  // namespace
}  // namespace sluice::scan::envelope
