#include "common/validation.h"

#include "gtest/gtest.h"

namespace kam {
namespace {

TEST(ValidateIdTest, AcceptsUrlSafeIds) {
  EXPECT_TRUE(ValidateId("id", "acme").ok());
  EXPECT_TRUE(ValidateId("id", "acme-nordic-2").ok());
  EXPECT_TRUE(ValidateId("id", "7eleven").ok());
  EXPECT_TRUE(ValidateId("id", std::string(63, 'a')).ok());
}

TEST(ValidateIdTest, RejectsWithFieldAndRule) {
  for (const char* bad : {"", "Acme", "acme_x", "-acme", "acme-", "a/b", "æ"}) {
    absl::Status s = ValidateId("account.account_id", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message().rfind("account.account_id: must be 1-63", 0), 0u)
        << s.message();
  }
  EXPECT_FALSE(ValidateId("id", std::string(64, 'a')).ok());
}

TEST(ValidateTextTest, CountsCharactersNotBytes) {
  // "Ærø Ø" is 5 characters but 8 bytes.
  EXPECT_TRUE(ValidateText("f", "\xC3\x86r\xC3\xB8 \xC3\x98", 1, 5).ok());
  EXPECT_FALSE(ValidateText("f", "\xC3\x86r\xC3\xB8 \xC3\x98!", 1, 5).ok());
}

TEST(ValidateTextTest, RequiredAndControlCharacters) {
  EXPECT_EQ(ValidateText("account.display_name", "", 1, 10).message(),
            "account.display_name: is required");
  EXPECT_FALSE(ValidateText("f", "a\nb", 0, 10).ok());
}

TEST(ValidateEmailTest, ShapeChecks) {
  EXPECT_TRUE(ValidateEmail("e", "jane.doe@acme.example").ok());
  for (const char* bad : {"jane", "jane@", "@acme.dk", "jane@acme", "a b@c.dk",
                          "a@b@c.dk", "jane@.dk"}) {
    EXPECT_FALSE(ValidateEmail("e", bad).ok()) << bad;
  }
}

TEST(ValidateCodesTest, CurrencyAndCountry) {
  EXPECT_TRUE(ValidateCurrencyCode("c", "DKK").ok());
  EXPECT_FALSE(ValidateCurrencyCode("c", "dkk").ok());
  EXPECT_FALSE(ValidateCurrencyCode("c", "EURO").ok());
  EXPECT_TRUE(ValidateCountryCode("c", "PL").ok());
  EXPECT_FALSE(ValidateCountryCode("c", "Poland").ok());
}

TEST(ParseNameTest, ExtractsIds) {
  auto id = ParseName("name", "accounts/acme", "accounts");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "acme");
  auto ids = ParseChildName("name", "accounts/acme/contacts/jane", "accounts",
                            "contacts");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->first, "acme");
  EXPECT_EQ(ids->second, "jane");
}

TEST(ParseNameTest, RejectsOtherShapes) {
  EXPECT_FALSE(ParseName("name", "acme", "accounts").ok());
  EXPECT_FALSE(ParseName("name", "accounts/", "accounts").ok());
  EXPECT_FALSE(ParseName("name", "accounts/a/b", "accounts").ok());
  EXPECT_FALSE(
      ParseChildName("name", "accounts/a/people/b", "accounts", "contacts").ok());
  EXPECT_EQ(ParseName("name", "acme", "accounts").status().message(),
            "name: must be \"accounts/{id}\", got \"acme\"");
}

TEST(GenerateIdTest, ValidAndDistinct) {
  const std::string a = GenerateId();
  const std::string b = GenerateId();
  EXPECT_TRUE(ValidateId("id", a).ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace kam
