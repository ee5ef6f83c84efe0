// Bad input gets a clear error and changes nothing: every field rule of the
// engagement API answers INVALID_ARGUMENT with a message that starts with the
// field path; an account or contact unknown to engagement's projection of the
// registry is FAILED_PRECONDITION. After all of it, nothing a client can see
// has changed.

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/engagement/engagement_testing.h"

namespace kam::engagement_test {
namespace {

using grpc::StatusCode;

class ValidationTest : public EngagementTest {
 protected:
  void SetUp() override {
    EngagementTest::SetUp();
    if (HasFatalFailure()) return;
    SeedPortfolio();
    if (HasFatalFailure()) return;
    // Something to update and to compare against.
    ev1::Interaction visit =
        NewInteraction("acme", ev1::VISIT, At(2026, 5, 1), {"ann"});
    visit.set_interaction_id("visit");
    stored_ = MustCreate(visit);
    MustCreate(NewInteraction("globex", ev1::CALL, At(2026, 4, 1), {"gus"}));
    ASSERT_TRUE(IsOk(
        engagement().RecordSurvey(NewSurvey("acme", 9, 4, At(2026, 5, 2)))));
    ASSERT_TRUE(IsOk(engagement().SetStage(
        NewStage("acme", ev1::BASIC, At(2026, 1, 1), "First orders"))));
    before_ = Snapshot(kAccounts);
  }

  void ExpectNothingChanged() { EXPECT_EQ(Snapshot(kAccounts), before_); }

  const std::vector<std::string> kAccounts = {"acme", "globex", "initech",
                                              "umbrella"};
  ev1::Interaction stored_;
  std::string before_;
};

struct InteractionCase {
  const char* label;
  std::function<void(ev1::CreateInteractionRequest*)> mutate;
  const char* field;
};

std::vector<InteractionCase> InteractionCases() {
  auto interaction = [](ev1::CreateInteractionRequest* r) {
    return r->mutable_interaction();
  };
  return {
      {"no type",
       [=](auto* r) {
         interaction(r)->set_type(ev1::INTERACTION_TYPE_UNSPECIFIED);
       },
       "interaction.type"},
      {"unknown type",
       [=](auto* r) {
         interaction(r)->set_type(static_cast<ev1::InteractionType>(42));
       },
       "interaction.type"},
      {"no occurred_at", [=](auto* r) { interaction(r)->clear_occurred_at(); },
       "interaction.occurred_at"},
      {"occurred_at more than a day ahead",
       [=](auto* r) {
         *interaction(r)->mutable_occurred_at() =
             Proto(FixedNow() + absl::Hours(25));
       },
       "interaction.occurred_at"},
      {"sentiment +3", [=](auto* r) { interaction(r)->set_sentiment(3); },
       "interaction.sentiment"},
      {"sentiment -3", [=](auto* r) { interaction(r)->set_sentiment(-3); },
       "interaction.sentiment"},
      {"participant not a contact name",
       [=](auto* r) { interaction(r)->set_participants(0, "ann"); },
       "interaction.participants[0]"},
      {"participant of another account",
       [=](auto* r) {
         interaction(r)->set_participants(0, "accounts/globex/contacts/gus");
       },
       "interaction.participants[0]"},
      {"participant twice",
       [=](auto* r) {
         interaction(r)->add_participants(interaction(r)->participants(0));
       },
       "interaction.participants[1]"},
      {"51 participants",
       [=](auto* r) {
         interaction(r)->clear_participants();
         for (int i = 0; i < 51; ++i) {
           interaction(r)->add_participants(
               ContactName("acme", absl::StrCat("c", i)));
         }
       },
       "interaction.participants"},
      {"empty internal participant",
       [=](auto* r) { interaction(r)->set_internal_participants(0, ""); },
       "interaction.internal_participants[0]"},
      {"internal participant of 255 chars",
       [=](auto* r) {
         interaction(r)->set_internal_participants(0, std::string(255, 'x'));
       },
       "interaction.internal_participants[0]"},
      {"51 internal participants",
       [=](auto* r) {
         for (int i = 0; i < 50; ++i) {
           interaction(r)->add_internal_participants(
               absl::StrCat("p", i, "@supplier.example"));
         }
       },
       "interaction.internal_participants"},
      {"unknown channel",
       [=](auto* r) {
         interaction(r)->set_channel(static_cast<ev1::Channel>(9));
       },
       "interaction.channel"},
      {"summary of 2001 chars",
       [=](auto* r) { interaction(r)->set_summary(std::string(2001, 's')); },
       "interaction.summary"},
      {"outcome of 2001 chars",
       [=](auto* r) { interaction(r)->set_outcome(std::string(2001, 'o')); },
       "interaction.outcome"},
      {"next_steps of 2001 chars",
       [=](auto* r) { interaction(r)->set_next_steps(std::string(2001, 'n')); },
       "interaction.next_steps"},
      {"no account", [=](auto* r) { interaction(r)->clear_account(); },
       "interaction.account"},
      {"account not a name",
       [=](auto* r) { interaction(r)->set_account("acme"); },
       "interaction.account"},
      {"account with a bad ID",
       [=](auto* r) { interaction(r)->set_account("accounts/Not An ID"); },
       "interaction.account"},
      {"bad interaction_id",
       [=](auto* r) { interaction(r)->set_interaction_id("Bad ID"); },
       "interaction.interaction_id"},
      {"interaction_id of 64 chars",
       [=](auto* r) {
         interaction(r)->set_interaction_id(std::string(64, 'a'));
       },
       "interaction.interaction_id"},
      {"request_id of 129 chars",
       [=](auto* r) { r->set_request_id(std::string(129, 'r')); },
       "request_id"},
  };
}

TEST_F(ValidationTest,
       EveryInteractionFieldRuleIsInvalidArgumentNamingTheField) {
  const ev1::Interaction valid =
      NewInteraction("acme", ev1::MEETING, At(2026, 5, 20), {"ann"});
  // The valid base is accepted (in a batch of its own, so the snapshot can
  // be retaken); every case below breaks exactly one rule of it.
  for (const InteractionCase& c : InteractionCases()) {
    ev1::CreateInteractionRequest request = NewCreateRequest(valid, "");
    c.mutate(&request);
    ev1::Interaction out;
    EXPECT_TRUE(IsInvalidArgumentFor(
        engagement().Call(&ev1::Engagement::Stub::CreateInteraction, request,
                          &out),
        c.field))
        << c.label;

    // The same item in a batch fails alone with the same code, naming the
    // same field.
    ev1::BatchCreateInteractionsResponse batch;
    ASSERT_TRUE(IsOk(engagement().BatchCreate({request}, &batch))) << c.label;
    ASSERT_EQ(batch.results_size(), 1) << c.label;
    EXPECT_EQ(batch.results(0).code(), grpc::INVALID_ARGUMENT) << c.label;
    EXPECT_NE(batch.results(0).message().find(c.field), std::string::npos)
        << c.label << ": " << batch.results(0).message();
    EXPECT_EQ(batch.created(), 0) << c.label;
    EXPECT_EQ(batch.failed(), 1) << c.label;
  }
  ExpectNothingChanged();
}

TEST_F(ValidationTest, UnknownAccountOrContactIsFailedPrecondition) {
  EXPECT_TRUE(HasCode(
      engagement().Create(NewInteraction("ghost", ev1::CALL, At(2026, 5, 1))),
      StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(HasCode(engagement().Create(NewInteraction(
                          "acme", ev1::CALL, At(2026, 5, 1), {"ann", "zed"})),
                      StatusCode::FAILED_PRECONDITION));
  // A contact of the same name in another account does not count.
  EXPECT_TRUE(HasCode(engagement().Create(NewInteraction(
                          "globex", ev1::CALL, At(2026, 5, 1), {"ann"})),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(HasCode(
      engagement().RecordSurvey(NewSurvey("ghost", 9, 0, At(2026, 5, 1))),
      StatusCode::FAILED_PRECONDITION));
  ev1::SurveyResponse by_stranger = NewSurvey("acme", 9, 0, At(2026, 5, 1));
  by_stranger.set_contact(ContactName("acme", "zed"));
  EXPECT_TRUE(HasCode(engagement().RecordSurvey(by_stranger),
                      StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(HasCode(engagement().SetStage(NewStage(
                          "ghost", ev1::BASIC, At(2026, 1, 1), "First orders")),
                      StatusCode::FAILED_PRECONDITION));
  ev1::Satisfaction satisfaction;
  EXPECT_TRUE(
      HasCode(engagement().GetSatisfaction("accounts/ghost", 0, &satisfaction),
              StatusCode::FAILED_PRECONDITION));
  ev1::Coverage coverage;
  EXPECT_TRUE(HasCode(engagement().GetCoverage("accounts/ghost", 0, &coverage),
                      StatusCode::FAILED_PRECONDITION));
  ev1::EngagementSummary summary;
  EXPECT_TRUE(HasCode(engagement().GetSummary("accounts/ghost", &summary),
                      StatusCode::FAILED_PRECONDITION));
  ExpectNothingChanged();
}

TEST_F(ValidationTest, UpdateRulesNameTheFieldAndChangeNothing) {
  struct Case {
    const char* path;
    std::function<void(ev1::Interaction*)> set;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"type", [](auto* i) { i->set_type(ev1::INTERACTION_TYPE_UNSPECIFIED); },
       "interaction.type"},
      {"occurred_at", [](auto* i) { i->clear_occurred_at(); },
       "interaction.occurred_at"},
      {"occurred_at",
       [](auto* i) {
         *i->mutable_occurred_at() = Proto(FixedNow() + absl::Hours(48));
       },
       "interaction.occurred_at"},
      {"participants", [](auto* i) { i->add_participants("bob"); },
       "interaction.participants[0]"},
      {"internal_participants",
       [](auto* i) { i->add_internal_participants(""); },
       "interaction.internal_participants[0]"},
      {"channel", [](auto* i) { i->set_channel(static_cast<ev1::Channel>(5)); },
       "interaction.channel"},
      {"summary", [](auto* i) { i->set_summary(std::string(2001, 's')); },
       "interaction.summary"},
      {"outcome", [](auto* i) { i->set_outcome(std::string(2001, 'o')); },
       "interaction.outcome"},
      {"next_steps", [](auto* i) { i->set_next_steps(std::string(2001, 'n')); },
       "interaction.next_steps"},
      {"sentiment", [](auto* i) { i->set_sentiment(-5); },
       "interaction.sentiment"},
  };
  for (const Case& c : cases) {
    ev1::Interaction patch;
    patch.set_name(stored_.name());
    c.set(&patch);
    EXPECT_TRUE(IsInvalidArgumentFor(
        engagement().Update(patch, {c.path}, nullptr, stored_.etag()), c.field))
        << c.path;
  }
  ev1::Interaction patch;
  patch.set_name("interactions/visit");
  patch.set_summary("x");
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().Update(patch, {"summary"}),
                                   "interaction.name"));
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().Delete("visit"), "name"));
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().Get("accounts/acme"), "name"));
  ExpectNothingChanged();
}

TEST_F(ValidationTest, SurveyRulesNameTheField) {
  struct Case {
    const char* label;
    std::function<void(ev1::SurveyResponse*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"nps 11", [](auto* s) { s->set_nps(11); }, "response.nps"},
      {"nps -2", [](auto* s) { s->set_nps(-2); }, "response.nps"},
      {"csat 6", [](auto* s) { s->set_csat(6); }, "response.csat"},
      {"csat -1", [](auto* s) { s->set_csat(-1); }, "response.csat"},
      {"neither nps nor csat",
       [](auto* s) {
         s->set_nps(-1);
         s->set_csat(0);
       },
       "response."},
      {"no responded_at", [](auto* s) { s->clear_responded_at(); },
       "response.responded_at"},
      {"responded_at in the future",
       [](auto* s) {
         *s->mutable_responded_at() = Proto(FixedNow() + absl::Hours(1));
       },
       "response.responded_at"},
      {"no account", [](auto* s) { s->clear_account(); }, "response.account"},
      {"contact not a name", [](auto* s) { s->set_contact("ann"); },
       "response.contact"},
      {"contact of another account",
       [](auto* s) { s->set_contact("accounts/globex/contacts/gus"); },
       "response.contact"},
  };
  for (const Case& c : cases) {
    ev1::SurveyResponse response = NewSurvey("acme", 8, 4, At(2026, 5, 20));
    response.set_contact(ContactName("acme", "ann"));
    c.mutate(&response);
    EXPECT_TRUE(
        IsInvalidArgumentFor(engagement().RecordSurvey(response), c.field))
        << c.label;
  }
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().RecordSurvey(NewSurvey("acme", 8, 4, At(2026, 5, 20)),
                                nullptr, std::string(129, 'r')),
      "request_id"));
  ExpectNothingChanged();
}

TEST_F(ValidationTest, StagePolicyAndQueryRulesNameTheField) {
  struct StageCase {
    const char* label;
    std::function<void(ev1::RelationshipStage*)> mutate;
    const char* field;
  };
  const std::vector<StageCase> stage_cases = {
      {"no stage", [](auto* s) { s->set_stage(ev1::STAGE_UNSPECIFIED); },
       "stage.stage"},
      {"unknown stage",
       [](auto* s) { s->set_stage(static_cast<ev1::Stage>(77)); },
       "stage.stage"},
      {"no rationale", [](auto* s) { s->clear_rationale(); },
       "stage.rationale"},
      {"rationale of 2001 chars",
       [](auto* s) { s->set_rationale(std::string(2001, 'w')); },
       "stage.rationale"},
      {"no effective_time", [](auto* s) { s->clear_effective_time(); },
       "stage.effective_time"},
      {"effective_time in the future",
       [](auto* s) {
         *s->mutable_effective_time() = Proto(FixedNow() + absl::Hours(48));
       },
       "stage.effective_time"},
      {"no account", [](auto* s) { s->clear_account(); }, "stage.account"},
  };
  for (const StageCase& c : stage_cases) {
    ev1::RelationshipStage stage =
        NewStage("acme", ev1::COOPERATIVE, At(2026, 5, 1), "Joint planning");
    c.mutate(&stage);
    EXPECT_TRUE(IsInvalidArgumentFor(engagement().SetStage(stage), c.field))
        << c.label;
  }

  struct PolicyCase {
    const char* label;
    std::function<void(ev1::CadencePolicy*)> mutate;
    const char* field;
  };
  const std::vector<PolicyCase> policy_cases = {
      {"no tier", [](auto* p) { p->set_tier(cv1::TIER_UNSPECIFIED); },
       "policy.tier"},
      {"visit -1", [](auto* p) { p->set_visit_interval_days(-1); },
       "policy.visit_interval_days"},
      {"executive 3651",
       [](auto* p) { p->set_executive_contact_interval_days(3651); },
       "policy.executive_contact_interval_days"},
      {"review -5", [](auto* p) { p->set_business_review_interval_days(-5); },
       "policy.business_review_interval_days"},
  };
  for (const PolicyCase& c : policy_cases) {
    ev1::CadencePolicy policy;
    policy.set_tier(cv1::KEY);
    policy.set_visit_interval_days(14);
    policy.set_executive_contact_interval_days(60);
    policy.set_business_review_interval_days(90);
    c.mutate(&policy);
    EXPECT_TRUE(IsInvalidArgumentFor(engagement().SetPolicy(policy), c.field))
        << c.label;
  }

  ev1::Satisfaction satisfaction;
  for (int window : {-1, 3651}) {
    EXPECT_TRUE(IsInvalidArgumentFor(
        engagement().GetSatisfaction("accounts/acme", window, &satisfaction),
        "window_days"))
        << window;
  }
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().GetSatisfaction("acme", 0, &satisfaction), "account"));
  ev1::Coverage coverage;
  for (int days : {-1, 3651}) {
    EXPECT_TRUE(IsInvalidArgumentFor(
        engagement().GetCoverage("accounts/acme", days, &coverage), "days"))
        << days;
  }
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().GetCoverage("acme", 0, &coverage), "account"));
  ev1::ListOverdueAccountsResponse overdue;
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().ListOverdue(cv1::TIER_UNSPECIFIED, -1, &overdue), "limit"));
  EXPECT_TRUE(IsInvalidArgumentFor(
      engagement().ListOverdue(static_cast<cv1::Tier>(9), 0, &overdue),
      "tier"));
  ev1::EngagementSummary summary;
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().GetSummary("acme", &summary),
                                   "account"));
  ev1::RelationshipStageHistory history;
  EXPECT_TRUE(IsInvalidArgumentFor(engagement().GetStage("accounts/", &history),
                                   "account"));
  ExpectNothingChanged();
}

}  // namespace
}  // namespace kam::engagement_test
