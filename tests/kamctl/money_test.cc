#include "tools/kamctl/money.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"

namespace kam::kamctl {
namespace {

using ::testing::HasSubstr;

TEST(ParseMinorUnitsTest, ConvertsMajorUnitsExactly) {
  EXPECT_EQ(*ParseMinorUnits("1234.56"), 123456);
  EXPECT_EQ(*ParseMinorUnits("7"), 700);
  EXPECT_EQ(*ParseMinorUnits("0.5"), 50);
  EXPECT_EQ(*ParseMinorUnits("0.05"), 5);
  EXPECT_EQ(*ParseMinorUnits("+3"), 300);
  // A value double cannot hold exactly in binary: still exact here.
  EXPECT_EQ(*ParseMinorUnits("0.29"), 29);
  EXPECT_EQ(*ParseMinorUnits("90071992547409.93"), 9007199254740993);
}

TEST(ParseMinorUnitsTest, HandlesNegativeAmountsLikeALossMakingMargin) {
  EXPECT_EQ(*ParseMinorUnits("-12.30"), -1230);
  EXPECT_EQ(*ParseMinorUnits("-0.05"), -5);
  EXPECT_EQ(*ParseMinorUnits("-250000"), -25000000);
  EXPECT_EQ(*ParseMinorUnits("-0"), 0);
}

TEST(ParseMinorUnitsTest, RejectsMoreThanTwoDecimals) {
  auto result = ParseMinorUnits("1.234");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(result.status()), HasSubstr("at most 2 decimals"));
  EXPECT_THAT(Message(result.status()), HasSubstr("\"1.234\""));
}

TEST(ParseMinorUnitsTest, RejectsWhatIsNotAPlainDecimal) {
  for (const char* bad : {"abc", "", "-", "1,234.56", "1e3", ".5", "5.", " 5",
                          "5 ", "--5", "1.2.3", "12a", "EUR 5", "0x10"}) {
    auto result = ParseMinorUnits(bad);
    EXPECT_FALSE(result.ok())
        << "accepted \"" << bad << "\" as " << result.value_or(0);
  }
}

TEST(ParseMinorUnitsTest, CoversTheWholeInt64RangeAndNoMore) {
  EXPECT_EQ(*ParseMinorUnits("92233720368547758.07"),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*ParseMinorUnits("-92233720368547758.08"),
            std::numeric_limits<int64_t>::min());
  EXPECT_THAT(Message(ParseMinorUnits("92233720368547758.08").status()),
              HasSubstr("out of range"));
  EXPECT_FALSE(ParseMinorUnits("99999999999999999999999").ok());
}

TEST(FormatMinorUnitsTest, IsTheInverseOfParsing) {
  EXPECT_EQ(FormatMinorUnits(123456), "1234.56");
  EXPECT_EQ(FormatMinorUnits(-5), "-0.05");
  EXPECT_EQ(FormatMinorUnits(700), "7.00");
  EXPECT_EQ(FormatMinorUnits(0), "0.00");
  for (int64_t value : {int64_t{0}, int64_t{1}, int64_t{-99}, int64_t{123456},
                        std::numeric_limits<int64_t>::max(),
                        std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(*ParseMinorUnits(FormatMinorUnits(value)), value);
  }
}

TEST(FormatMinorUnitsTest, GroupsThousandsForTables) {
  EXPECT_EQ(FormatMinorUnits(123456789, true), "1,234,567.89");
  EXPECT_EQ(FormatMinorUnits(-100000, true), "-1,000.00");
  EXPECT_EQ(FormatMinorUnits(99999, true), "999.99");
}

TEST(ParseMoneyTest, CombinesAmountAndCurrency) {
  auto money = ParseMoney("-1500.5", "dkk");
  ASSERT_TRUE(money.ok()) << money.status();
  EXPECT_EQ(money->currency_code(), "DKK");
  EXPECT_EQ(money->minor_units(), -150050);
  EXPECT_EQ(FormatMoney(*money), "-1,500.50 DKK");
  EXPECT_THAT(Message(ParseMoney("5", "EURO").status()), HasSubstr("ISO 4217"));
  EXPECT_THAT(Message(ParseMoney("5", "").status()), HasSubstr("ISO 4217"));
  EXPECT_EQ(FormatMoney(kam::common::v1::Money()), "-");
}

}  // namespace
}  // namespace kam::kamctl
