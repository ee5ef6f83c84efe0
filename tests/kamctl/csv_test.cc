#include "tools/kamctl/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(ParseCsvTest, ReadsHeaderAndRecordsWithLineNumbers) {
  auto doc = ParseCsv("id,name\nacme,Acme\nnord,Nordwind\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_THAT(doc->header, ElementsAre("id", "name"));
  ASSERT_THAT(doc->records, SizeIs(2));
  EXPECT_EQ(doc->records[0].line, 2);
  EXPECT_THAT(doc->records[0].fields, ElementsAre("acme", "Acme"));
  EXPECT_EQ(doc->records[1].line, 3);
  EXPECT_THAT(doc->records[1].fields, ElementsAre("nord", "Nordwind"));
  EXPECT_THAT(doc->errors, IsEmpty());
}

TEST(ParseCsvTest, QuotedFieldsHoldCommasAndDoubledQuotes) {
  auto doc = ParseCsv(
      "id,name,note\n"
      "acme,\"Acme, Inc.\",\"says \"\"hi\"\"\"\n"
      "empty,\"\",\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->records, SizeIs(2));
  EXPECT_THAT(doc->records[0].fields,
              ElementsAre("acme", "Acme, Inc.", "says \"hi\""));
  EXPECT_THAT(doc->records[1].fields, ElementsAre("empty", "", ""));
}

TEST(ParseCsvTest, EmbeddedNewlineKeepsLaterLineNumbersRight) {
  auto doc = ParseCsv(
      "id,address\n"
      "acme,\"Main St 1\n8000 Aarhus\"\n"
      "nord,Hamburg\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->records, SizeIs(2));
  EXPECT_EQ(doc->records[0].line, 2);
  EXPECT_EQ(doc->records[0].fields[1], "Main St 1\n8000 Aarhus");
  EXPECT_EQ(doc->records[1].line, 4);  // the quoted newline used line 3
}

TEST(ParseCsvTest, AcceptsCrlfBomEmptyLinesAndMissingFinalNewline) {
  auto doc = ParseCsv("\xEF\xBB\xBFid,name\r\n\r\nacme,\"A\r\nB\"\r\nnord,N");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_THAT(doc->header, ElementsAre("id", "name"));  // no BOM in "id"
  ASSERT_THAT(doc->records, SizeIs(2));
  EXPECT_EQ(doc->records[0].line, 3);
  EXPECT_EQ(doc->records[0].fields[1], "A\r\nB");  // quoted data is kept
  EXPECT_EQ(doc->records[1].line, 5);
  EXPECT_THAT(doc->records[1].fields, ElementsAre("nord", "N"));
}

TEST(ParseCsvTest, TrailingCommaIsAnEmptyLastField) {
  auto doc = ParseCsv("a,b,c\n1,2,\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->records, SizeIs(1));
  EXPECT_THAT(doc->records[0].fields, ElementsAre("1", "2", ""));
}

TEST(ParseCsvTest, StrayQuoteIsAnErrorWithLineNumberAndParsingGoesOn) {
  auto doc = ParseCsv(
      "id,name\n"
      "acme,Acme \"Big\" Inc\n"
      "nord,Nordwind\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->errors, SizeIs(1));
  EXPECT_EQ(doc->errors[0].line, 2);
  EXPECT_THAT(doc->errors[0].message, HasSubstr("field 2"));
  EXPECT_THAT(doc->errors[0].message, HasSubstr("quote"));
  ASSERT_THAT(doc->records, SizeIs(1));
  EXPECT_EQ(doc->records[0].line, 3);
  EXPECT_THAT(doc->records[0].fields, ElementsAre("nord", "Nordwind"));
}

TEST(ParseCsvTest, TextAfterClosingQuoteIsAnError) {
  auto doc = ParseCsv("id,name\n\"acme\"x,Acme\nnord,N\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->errors, SizeIs(1));
  EXPECT_EQ(doc->errors[0].line, 2);
  EXPECT_THAT(doc->errors[0].message, HasSubstr("after the closing quote"));
  ASSERT_THAT(doc->records, SizeIs(1));
  EXPECT_EQ(doc->records[0].fields[0], "nord");
}

TEST(ParseCsvTest, UnterminatedQuoteNamesTheLineWhereItOpens) {
  auto doc = ParseCsv("id,name\nacme,Acme\nnord,\"Nordwind\nhamburg,H\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->records, SizeIs(1));
  ASSERT_THAT(doc->errors, SizeIs(1));
  EXPECT_EQ(doc->errors[0].line, 3);
  EXPECT_THAT(doc->errors[0].message, HasSubstr("opened on line 3"));
  EXPECT_THAT(doc->errors[0].message, HasSubstr("never closed"));
}

TEST(ParseCsvTest, WrongFieldCountIsAnError) {
  auto doc = ParseCsv("id,name,country\nacme,Acme\nnord,N,DE,extra\nok,O,DK\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_THAT(doc->errors, SizeIs(2));
  EXPECT_EQ(doc->errors[0].line, 2);
  EXPECT_THAT(doc->errors[0].message,
              HasSubstr("has 2 fields, the header has 3"));
  EXPECT_EQ(doc->errors[1].line, 3);
  ASSERT_THAT(doc->records, SizeIs(1));
  EXPECT_EQ(doc->records[0].line, 4);
}

TEST(ParseCsvTest, EmptyFileOrBadHeaderFailsTheWholeFile) {
  EXPECT_THAT(Message(ParseCsv("").status()),
              HasSubstr("header row is required"));
  EXPECT_THAT(Message(ParseCsv("\n\n").status()),
              HasSubstr("header row is required"));
  auto bad_header = ParseCsv("\nid,\"name\nacme,x\n");
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(bad_header.status()), HasSubstr("line 2: header"));
}

}  // namespace
}  // namespace kam::kamctl
