#include "common/resource.h"

#include "gtest/gtest.h"
#include "kam/common/v1/types.pb.h"
#include "kam/registry/v1/registry.pb.h"

namespace kam {
namespace {

using kam::registry::v1::Account;

Account ValidAccount() {
  Account a;
  a.set_account_id("acme");
  a.set_display_name("ACME Industries");
  a.set_country("DK");
  return a;
}

TEST(EtagTest, StableForSameContentAndChangesWithIt) {
  Account a = ValidAccount();
  Account b = ValidAccount();
  EXPECT_EQ(Etag(a), Etag(b));
  b.set_segment("Enterprise");
  EXPECT_NE(Etag(a), Etag(b));
  EXPECT_EQ(Etag(a).size(), 16u);
}

TEST(SameContentTest, IgnoresUpdateTimeAndEtag) {
  Account a = ValidAccount();
  Account b = a;
  b.set_etag("x");
  b.mutable_update_time()->set_seconds(5);
  EXPECT_TRUE(SameContent(a, b));
  b.set_industry("Food");
  EXPECT_FALSE(SameContent(a, b));
}

TEST(PageTokenTest, RoundTripsAndRejectsOthers) {
  const std::string token = MakePageToken("segment=Enterprise", "acme");
  auto last = ParsePageToken(token, "segment=Enterprise");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, "acme");
  EXPECT_EQ(ParsePageToken("", "x").value(), "");
  EXPECT_EQ(ParsePageToken(token, "segment=SMB").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePageToken("not base64!", "x").status().message().rfind(
                "page_token:", 0),
            0u);
}

TEST(PageSizeTest, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(PageSize(0).value(), 50);
  EXPECT_EQ(PageSize(7).value(), 7);
  EXPECT_EQ(PageSize(5000).value(), 1000);
  EXPECT_EQ(PageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kam
