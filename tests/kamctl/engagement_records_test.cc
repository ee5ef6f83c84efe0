#include "tools/kamctl/engagement_records.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/kamctl/test_util.h"
#include "tools/kamctl/csv.h"

namespace kam::kamctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  return absl::FormatTime(absl::RFC3339_full, FromTimestamp(t),
                          absl::UTCTimeZone());
}

TEST(EngagementEnumTest, ParsesLowerCaseNamesAndNamesThemBack) {
  EXPECT_EQ(*ParseInteractionType("business_review"), ev1::BUSINESS_REVIEW);
  EXPECT_EQ(*ParseInteractionType(" Visit "), ev1::VISIT);
  EXPECT_EQ(*ParseChannel("in-person"), ev1::IN_PERSON);
  EXPECT_EQ(*ParseStage("interdependent"), ev1::INTERDEPENDENT);
  EXPECT_EQ(*ParseTier("potential_key"), kam::common::v1::POTENTIAL_KEY);
  EXPECT_EQ(InteractionTypeName(ev1::BUSINESS_REVIEW), "business_review");
  EXPECT_EQ(ChannelName(ev1::CHANNEL_UNSPECIFIED), "");
  EXPECT_EQ(TierName(kam::common::v1::KEY), "key");
  EXPECT_EQ(StageName(ev1::DISINTEGRATING), "disintegrating");

  EXPECT_THAT(Message(ParseInteractionType("lunch").status()),
              HasSubstr("must be one of visit, meeting, call, email, "
                        "business_review, workshop, event, got \"lunch\""));
  EXPECT_FALSE(ParseTier("tier_unspecified").ok());
}

TEST(ParseTimeTest, ReadsRfc3339WithZoneOrOffset) {
  auto zulu = ParseTime("2026-03-12T10:30:00Z");
  ASSERT_TRUE(zulu.ok()) << zulu.status();
  EXPECT_EQ(Rfc3339(ToTimestamp(*zulu)), "2026-03-12T10:30:00+00:00");
  auto offset = ParseTime("2026-03-12T11:30:00+01:00");
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, *zulu);
  auto fraction = ParseTime("2026-03-12T10:30:00.25Z");
  ASSERT_TRUE(fraction.ok());
  EXPECT_EQ(ToTimestamp(*fraction).nanos(), 250000000);
}

TEST(ParseTimeTest, ReadsADateAsADayInUtc) {
  auto start = ParseTime("2026-03-31");
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(Rfc3339(ToTimestamp(*start)), "2026-03-31T00:00:00+00:00");
  // As an exclusive end ("until the 31st") it includes the whole day.
  auto end = ParseTime("2026-03-31", DateMeans::kEndOfDay);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(Rfc3339(ToTimestamp(*end)), "2026-04-01T00:00:00+00:00");
  // An RFC 3339 time is exact either way.
  EXPECT_EQ(*ParseTime("2026-03-31T00:00:00Z", DateMeans::kEndOfDay), *start);
}

TEST(ParseTimeTest, RejectsWhatIsNeitherAndSaysWhatWouldDo) {
  for (const char* bad :
       {"2026-3-12", "12.03.2026", "2026-02-30", "2026-03-12T10:30:00",
        "2026-03-12 10:30", "now", ""}) {
    auto time = ParseTime(bad);
    EXPECT_FALSE(time.ok()) << bad;
    EXPECT_THAT(Message(time.status()),
                HasSubstr("must be an RFC 3339 time like "
                          "2026-03-12T10:30:00Z"))
        << bad;
  }
}

TEST(ScoreTest, ChecksTheRanges) {
  EXPECT_EQ(*ParseSentiment("-2"), -2);
  EXPECT_EQ(*ParseSentiment("+1"), 1);
  EXPECT_EQ(*ParseSentiment("0"), 0);
  EXPECT_THAT(Message(ParseSentiment("3").status()),
              HasSubstr("must be a whole number from -2 to 2, got \"3\""));
  EXPECT_FALSE(ParseSentiment("1.5").ok());
  EXPECT_EQ(*ParseNps("0"), 0);
  EXPECT_EQ(*ParseNps("10"), 10);
  EXPECT_FALSE(ParseNps("11").ok());
  EXPECT_FALSE(ParseNps("-1").ok());
  EXPECT_EQ(*ParseCsat("5"), 5);
  EXPECT_THAT(Message(ParseCsat("0").status()),
              HasSubstr("from 1 to 5, got \"0\""));
}

TEST(ParticipantsTest, NamesContactsOfTheAccount) {
  auto names = ParseContactIds("acme", "jo-berg, ann ,", ',');
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("accounts/acme/contacts/jo-berg",
                                  "accounts/acme/contacts/ann"));
  EXPECT_THAT(Message(ParseContactIds("acme", "Jo_Berg", ',').status()),
              HasSubstr("each contact ID must be 1-63 characters"));
  auto people = ParseInternalParticipants("a@x.example;b@y.example", ';');
  ASSERT_TRUE(people.ok());
  EXPECT_THAT(*people, ElementsAre("a@x.example", "b@y.example"));
  EXPECT_FALSE(ParseInternalParticipants(std::string(255, 'a'), ';').ok());
  // The server refuses a list that names someone twice; say so first.
  EXPECT_THAT(Message(ParseContactIds("acme", "ann;jo;ann", ';').status()),
              HasSubstr("contact \"ann\" appears twice"));
  EXPECT_FALSE(ParseInternalParticipants("a@x.example,a@x.example", ',').ok());
}

TEST(ImportRequestIdTest, IsStableUnambiguousAndFitsTheServer) {
  EXPECT_EQ(InteractionImportRequestId("acme", "2025-03-visit"),
            "csv-acme/2025-03-visit");
  EXPECT_EQ(SurveyImportRequestId("acme", "r-17"), "csv-survey-acme/r-17");
  // With a '-' between them these two rows would share a key, and the second
  // would be taken for a replay of the first.
  EXPECT_NE(InteractionImportRequestId("vestwind-de", "x"),
            InteractionImportRequestId("vestwind", "de-x"));
  const std::string account(63, 'a'), row(63, 'b'), other_row(63, 'c');
  const std::string id = InteractionImportRequestId(account, row);
  EXPECT_LE(id.size(), 128u);
  EXPECT_THAT(id, StartsWith("csv-" + account + "/h"));
  EXPECT_EQ(id, InteractionImportRequestId(account, row));
  EXPECT_NE(id, InteractionImportRequestId(account, other_row));
  EXPECT_LE(SurveyImportRequestId(account, row).size(), 128u);
}

// A header and one data row, bound as an interactions or surveys file.
struct Row {
  CsvColumns columns;
  CsvRecord record;
};

Row Parse(const std::vector<CsvColumnSpec>& specs, const std::string& csv) {
  auto doc = ParseCsv(csv);
  EXPECT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->errors.empty()) << doc->errors[0].message;
  auto columns = CsvColumns::Bind("test", specs, doc->header);
  EXPECT_TRUE(columns.ok()) << columns.status();
  return Row{*std::move(columns), doc->records.at(0)};
}

constexpr char kInteractionHeader[] =
    "account_id,interaction_id,type,occurred_at,participants,"
    "internal_participants,channel,summary,outcome,next_steps,sentiment\n";

absl::StatusOr<ev1::CreateInteractionRequest> Interaction(
    const std::string& row) {
  Row r = Parse(InteractionColumns(), kInteractionHeader + row + "\n");
  return InteractionFromCsv(r.columns, r.record);
}

TEST(InteractionFromCsvTest, MapsEveryColumn) {
  auto request = Interaction(
      "acme,2026-03-visit,visit,2026-03-12T10:30:00Z,jo-berg;ann,"
      "me@fm.example;you@fm.example,in_person,\"Plant tour, line 2\","
      "Quote requested,Send quote,+2");
  ASSERT_TRUE(request.ok()) << request.status();
  const ev1::Interaction& i = request->interaction();
  EXPECT_EQ(request->request_id(), "csv-acme/2026-03-visit");
  EXPECT_EQ(i.account(), "accounts/acme");
  EXPECT_EQ(i.interaction_id(), "2026-03-visit");
  EXPECT_EQ(i.type(), ev1::VISIT);
  EXPECT_EQ(Rfc3339(i.occurred_at()), "2026-03-12T10:30:00+00:00");
  EXPECT_THAT(i.participants(), ElementsAre("accounts/acme/contacts/jo-berg",
                                            "accounts/acme/contacts/ann"));
  EXPECT_THAT(i.internal_participants(),
              ElementsAre("me@fm.example", "you@fm.example"));
  EXPECT_EQ(i.channel(), ev1::IN_PERSON);
  EXPECT_EQ(i.summary(), "Plant tour, line 2");
  EXPECT_EQ(i.outcome(), "Quote requested");
  EXPECT_EQ(i.next_steps(), "Send quote");
  EXPECT_EQ(i.sentiment(), 2);
}

TEST(InteractionFromCsvTest, LeavesOptionalColumnsUnsetAndTakesADate) {
  auto request = Interaction("acme,c1,call,2026-03-12,,,,,,,");
  ASSERT_TRUE(request.ok()) << request.status();
  const ev1::Interaction& i = request->interaction();
  EXPECT_EQ(Rfc3339(i.occurred_at()), "2026-03-12T00:00:00+00:00");
  EXPECT_EQ(i.channel(), ev1::CHANNEL_UNSPECIFIED);  // server: from the type
  EXPECT_TRUE(i.participants().empty());
  EXPECT_EQ(i.sentiment(), 0);
}

TEST(InteractionFromCsvTest, ErrorsNameTheColumn) {
  struct Case {
    const char* row;
    const char* error;
  };
  for (const Case& c : {
           Case{",c1,call,2026-03-12,,,,,,,",
                "column \"account_id\": required"},
           Case{"acme,,call,2026-03-12,,,,,,,",
                "column \"interaction_id\": required, but empty"},
           Case{"acme,C 1,call,2026-03-12,,,,,,,",
                "column \"interaction_id\": must be 1-63 characters"},
           Case{"acme,c1,,2026-03-12,,,,,,,", "column \"type\": required"},
           Case{"acme,c1,lunch,2026-03-12,,,,,,,",
                "column \"type\": must be one of visit"},
           Case{"acme,c1,call,,,,,,,,", "column \"occurred_at\": required"},
           Case{"acme,c1,call,12/03/2026,,,,,,,",
                "column \"occurred_at\": must be an RFC 3339 time"},
           Case{"acme,c1,call,2026-03-12,Jo Berg,,,,,,",
                "column \"participants\": each contact ID"},
           Case{"acme,c1,call,2026-03-12,,,by_pigeon,,,,",
                "column \"channel\": must be one of in_person, remote"},
           Case{"acme,c1,call,2026-03-12,,,,,,,3",
                "column \"sentiment\": must be a whole number from -2 to 2"},
       }) {
    auto request = Interaction(c.row);
    ASSERT_FALSE(request.ok()) << c.row;
    EXPECT_THAT(Message(request.status()), StartsWith(c.error)) << c.row;
  }
}

constexpr char kSurveyHeader[] =
    "account_id,response_id,contact_id,nps,csat,responded_at,comment\n";

absl::StatusOr<ev1::RecordSurveyResponseRequest> Survey(
    const std::string& row) {
  Row r = Parse(SurveyColumns(), kSurveyHeader + row + "\n");
  return SurveyResponseFromCsv(r.columns, r.record);
}

TEST(SurveyResponseFromCsvTest, MapsEveryColumn) {
  auto request = Survey("acme,2026-spring-jo,jo-berg,9,4,2026-04-20,Great");
  ASSERT_TRUE(request.ok()) << request.status();
  const ev1::SurveyResponse& r = request->response();
  EXPECT_EQ(request->request_id(), "csv-survey-acme/2026-spring-jo");
  EXPECT_EQ(r.account(), "accounts/acme");
  EXPECT_EQ(r.contact(), "accounts/acme/contacts/jo-berg");
  EXPECT_EQ(r.nps(), 9);
  EXPECT_EQ(r.csat(), 4);
  EXPECT_EQ(Rfc3339(r.responded_at()), "2026-04-20T00:00:00+00:00");
  EXPECT_EQ(r.comment(), "Great");
}

TEST(SurveyResponseFromCsvTest, AnEmptyScoreIsNotAsked) {
  auto csat_only = Survey("acme,r1,,,5,2026-04-20,");
  ASSERT_TRUE(csat_only.ok()) << csat_only.status();
  EXPECT_EQ(csat_only->response().nps(), -1);
  EXPECT_EQ(csat_only->response().csat(), 5);
  EXPECT_TRUE(csat_only->response().contact().empty());
  auto nps_only = Survey("acme,r2,,0,,2026-04-20,");
  ASSERT_TRUE(nps_only.ok()) << nps_only.status();
  EXPECT_EQ(nps_only->response().nps(), 0);  // a real answer, not "not asked"
  EXPECT_EQ(nps_only->response().csat(), 0);
}

TEST(SurveyResponseFromCsvTest, ErrorsNameTheColumn) {
  struct Case {
    const char* row;
    const char* error;
  };
  for (const Case& c : {
           Case{"acme,,,9,,2026-04-20,", "column \"response_id\": required"},
           Case{"acme,r1,Jo,9,,2026-04-20,",
                "column \"contact_id\": must be 1-63 characters"},
           Case{"acme,r1,,11,,2026-04-20,",
                "column \"nps\": must be a whole number from 0 to 10"},
           Case{"acme,r1,,,6,2026-04-20,",
                "column \"csat\": must be a whole number from 1 to 5"},
           Case{"acme,r1,,,,2026-04-20,",
                "column \"nps\": empty, and so is csat"},
           Case{"acme,r1,,9,,,", "column \"responded_at\": required"},
           Case{"acme,r1,,9,,April,",
                "column \"responded_at\": must be an RFC 3339 time"},
       }) {
    auto request = Survey(c.row);
    ASSERT_FALSE(request.ok()) << c.row;
    EXPECT_THAT(Message(request.status()), StartsWith(c.error)) << c.row;
  }
}

}  // namespace
}  // namespace kam::kamctl
