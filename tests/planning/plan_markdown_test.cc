// The Markdown export, checked byte for byte against an expected document
// (testdata/expected_plan.md), so a change of the layout is a reviewed change.
#include "services/planning/plan_markdown.h"

#include <fstream>
#include <sstream>
#include <string>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "services/planning/planning_rules.h"

namespace kam::planning {
namespace {

google::protobuf::Timestamp Ts(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return ToProtoTime(t);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Acme's operational plan as kam-planning stores it: active, reviewed once,
// agreed with the customer, then changed again.
v1::AccountPlan AcmePlan() {
  v1::AccountPlan plan;
  plan.set_name("accounts/acme/plans/ops-2026");
  plan.set_horizon(v1::OPERATIONAL);
  plan.set_title("Acme Industrial: operational plan 2026");
  plan.set_summary(
      "Win the second plant's maintenance contract and lift satisfaction "
      "after the Q4 delivery problems.");
  *plan.mutable_period_start() = Ts("2026-01-01T00:00:00Z");
  *plan.mutable_period_end() = Ts("2027-01-01T00:00:00Z");
  plan.set_status(v1::ACTIVE);
  plan.set_parent_plan("accounts/acme/plans/tac-2026");
  plan.set_account_display_name("Acme Industrial");
  plan.set_revision(6);
  plan.set_review_interval_days(90);
  *plan.mutable_next_review_time() = Ts("2026-07-01T00:00:00Z");

  v1::Objective* revenue = plan.add_objectives();
  revenue->set_id("o1");
  revenue->set_statement("Grow revenue | incl. the second plant");
  revenue->set_metric(v1::REVENUE);
  revenue->set_unit("EUR");
  revenue->set_baseline(1'000'000'00);
  revenue->set_target(1'250'000'00);
  *revenue->mutable_due_time() = Ts("2026-12-31T00:00:00Z");
  revenue->set_serves_objective("t1");
  v1::ProgressUpdate* p = revenue->add_progress();
  p->set_value(1'100'000'00);
  *p->mutable_measure_time() = Ts("2026-05-01T00:00:00Z");
  v1::Objective* nps = plan.add_objectives();
  nps->set_id("o2");
  nps->set_statement("Win back the plant managers");
  nps->set_metric(v1::NPS);
  nps->set_unit("NPS");
  nps->set_baseline(-5);
  nps->set_target(20);
  *nps->mutable_due_time() = Ts("2026-12-31T00:00:00Z");
  v1::Objective* engineers = plan.add_objectives();
  engineers->set_id("o3");
  engineers->set_statement("Certify the customer's service engineers");
  engineers->set_metric(v1::CUSTOM);
  engineers->set_custom_metric("Certified engineers");
  engineers->set_unit("engineers");
  engineers->set_baseline(2);
  engineers->set_target(12);
  *engineers->mutable_due_time() = Ts("2026-10-01T00:00:00Z");
  p = engineers->add_progress();
  p->set_value(3);
  *p->mutable_measure_time() = Ts("2026-05-15T00:00:00Z");
  EvaluateObjectives(&plan);

  v1::Strategy* s = plan.mutable_strategy();
  s->mutable_product()->set_text("Lead with the predictive maintenance kit.");
  s->mutable_product()->add_key_choices("Pilot on line 3 before roll-out");
  s->mutable_service()->set_text("A named service engineer per plant.");
  s->mutable_relationship()->add_key_choices("Quarterly executive dinner");

  v1::Action* a = plan.add_actions();
  a->set_id("a1");
  a->set_title("Pilot proposal for line 3");
  a->set_owner("Kim Larsen");
  *a->mutable_due_time() = Ts("2026-03-01T00:00:00Z");
  a->set_status(v1::OPEN);
  a->set_objective("o1");
  a = plan.add_actions();
  a->set_id("a2");
  a->set_title("Satisfaction workshop with plant managers");
  a->set_owner("Ana Costa");
  *a->mutable_due_time() = Ts("2026-04-15T00:00:00Z");
  a->set_status(v1::DONE);
  *a->mutable_complete_time() = Ts("2026-04-10T00:00:00Z");
  a->set_objective("o2");
  a = plan.add_actions();
  a->set_id("a3");
  a->set_title("Certification course, first cohort");
  a->set_owner("Ana Costa");
  *a->mutable_due_time() = Ts("2026-09-01T00:00:00Z");
  a->set_status(v1::IN_PROGRESS);
  a->set_objective("o3");

  v1::Participant* jane = plan.add_participants();
  jane->set_contact("accounts/acme/contacts/jane");
  jane->set_display_name("Jane Doe");
  jane->set_title("COO");
  jane->set_role("executive sponsor");
  v1::Participant* raj = plan.add_participants();
  raj->set_contact("accounts/acme/contacts/raj");
  raj->set_display_name("Raj Patel");
  v1::CustomerAgreement* agreement = plan.mutable_customer_agreement();
  agreement->set_contact("accounts/acme/contacts/jane");
  agreement->set_display_name("Jane Doe");
  *agreement->mutable_agree_time() = Ts("2026-04-20T00:00:00Z");
  agreement->set_revision(5);

  v1::SituationSnapshot* now = plan.mutable_situation();
  *now->mutable_take_time() = Ts("2026-04-01T00:00:00Z");
  now->set_tier(kam::common::v1::KEY);
  now->set_score(71.54);
  now->set_abc_class(kam::scoring::v1::A);
  now->set_nps(-5);
  now->set_stage(kam::engagement::v1::COOPERATIVE);
  v1::PlanReview* review = plan.add_reviews();
  *review->mutable_review_time() = Ts("2026-04-01T00:00:00Z");
  review->add_reviewers("Kim Larsen");
  review->add_reviewers("Jane Doe");
  review->set_outcome("On course; satisfaction needs work.");
  review->set_changes("Added the certification objective.");
  return plan;
}

TEST(PlanMarkdownTest, MatchesTheExpectedDocument) {
  absl::Time now;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2026-06-01T00:00:00Z", &now,
                              nullptr));
  const std::string actual = RenderPlanMarkdown(AcmePlan(), now);
  const std::string expected =
      ReadFile(std::string(KAM_PLANNING_TESTDATA) + "/expected_plan.md");
  if (actual != expected) {
    const std::string path = ::testing::TempDir() + "actual_plan.md";
    std::ofstream(path) << actual;
    ADD_FAILURE() << "the export differs from testdata/expected_plan.md; the "
                     "actual document is in "
                  << path;
  }
}

TEST(PlanMarkdownTest, ADraftWithoutContentSaysWhatIsMissing) {
  v1::AccountPlan plan;
  plan.set_name("accounts/acme/plans/draft");
  plan.set_horizon(v1::STRATEGIC);
  plan.set_title("Acme 2030");
  plan.set_status(v1::DRAFT);
  *plan.mutable_period_start() = Ts("2026-01-01T00:00:00Z");
  *plan.mutable_period_end() = Ts("2030-01-01T00:00:00Z");
  const std::string doc = RenderPlanMarkdown(plan, absl::UnixEpoch());
  EXPECT_NE(doc.find("- **Status:** Draft\n"), std::string::npos) << doc;
  EXPECT_NE(doc.find("_No objectives yet._"), std::string::npos) << doc;
  EXPECT_NE(doc.find("_No strategy written yet._"), std::string::npos) << doc;
  EXPECT_NE(doc.find("_No actions yet._"), std::string::npos) << doc;
  EXPECT_NE(doc.find("_Not yet agreed with the customer._"), std::string::npos)
      << doc;
  EXPECT_EQ(doc.find("## Situation"), std::string::npos) << doc;
  EXPECT_EQ(doc.find("## Reviews"), std::string::npos) << doc;
}

TEST(PlanMarkdownTest, FileNames) {
  EXPECT_EQ(PlanFileName("accounts/acme/plans/ops-2026", 0), "acme-ops-2026.md");
  EXPECT_EQ(PlanFileName("accounts/acme/plans/ops-2026", 4),
            "acme-ops-2026-r4.md");
}

TEST(PlanMarkdownTest, ValuesInTheirUnits) {
  v1::Objective o;
  o.set_metric(v1::GROSS_MARGIN);
  o.set_unit("DKK");
  EXPECT_EQ(FormatObjectiveValue(o, -123456789), "-1,234,567.89 DKK");
  EXPECT_EQ(FormatObjectiveValue(o, 5), "0.05 DKK");
  o.set_metric(v1::SHARE_OF_WALLET);
  EXPECT_EQ(FormatObjectiveValue(o, 35), "35%");
  o.set_metric(v1::NPS);
  EXPECT_EQ(FormatObjectiveValue(o, 0), "+0 NPS");
}

}  // namespace
}  // namespace kam::planning
