// The plan as a resource: created in DRAFT with what the caller gave and
// the service's defaults, read back, listed per account or for all accounts
// with filters and pages, changed field by field under an etag, deleted
// while still a draft; every change kept as a revision that can be read and
// exported as it was.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class PlansTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }
};

TEST_F(PlansTest, CreateMakesADraftWithDefaultsThatGetReadsBack) {
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026: grow the sensor line");
  // An objective and an action without ids: the service names them.
  *plan.add_objectives() = NewObjective("", pv1::NPS, 20, 40, At(2026, 12, 1));
  *plan.add_objectives() =
      NewObjective("wallet", pv1::SHARE_OF_WALLET, 25, 35, OpEnd());
  *plan.add_actions() = NewAction("", "Run a joint innovation workshop",
                                  At(2026, 7, 15), "wallet");
  *plan.add_participants() = NewParticipant("acme", "eve", "executive sponsor");

  const pv1::AccountPlan created = MustCreate("acme", plan, "ops-2026");
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(created.name(), "accounts/acme/plans/ops-2026");
  EXPECT_EQ(created.horizon(), pv1::OPERATIONAL);
  EXPECT_EQ(created.title(), plan.title());
  EXPECT_EQ(created.summary(), plan.summary());
  EXPECT_EQ(created.status(), pv1::DRAFT);
  EXPECT_EQ(created.revision(), 1);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_EQ(FromProto(created.period_start()), OpStart());
  EXPECT_EQ(FromProto(created.period_end()), OpEnd());
  EXPECT_EQ(FromProto(created.create_time()), FixedNow());
  EXPECT_EQ(FromProto(created.update_time()), FixedNow());
  EXPECT_FALSE(created.has_activate_time());
  EXPECT_FALSE(created.has_close_time());
  EXPECT_FALSE(created.has_next_review_time());
  // 0 on create: the horizon's default.
  EXPECT_EQ(created.review_interval_days(), 90);
  EXPECT_EQ(created.account_display_name(), "Acme Industries");
  EXPECT_EQ(created.strategy().ShortDebugString(),
            plan.strategy().ShortDebugString());
  EXPECT_EQ(FromProto(created.situation().take_time()), FixedNow());
  EXPECT_EQ(created.reviews_size(), 0);
  EXPECT_FALSE(created.has_customer_agreement());

  ASSERT_EQ(created.objectives_size(), 3);
  EXPECT_EQ(created.objectives(0).id(), "revenue");
  EXPECT_EQ(created.objectives(0).unit(), "EUR");
  EXPECT_FALSE(created.objectives(1).id().empty());
  EXPECT_NE(created.objectives(1).id(), "revenue");
  EXPECT_NE(created.objectives(1).id(), "wallet");
  EXPECT_EQ(created.objectives(1).unit(), "NPS");
  EXPECT_EQ(created.objectives(2).unit(), "%");
  for (const pv1::Objective& objective : created.objectives()) {
    EXPECT_EQ(objective.status(), pv1::NOT_MEASURED) << objective.id();
    EXPECT_EQ(objective.progress_size(), 0) << objective.id();
  }
  ASSERT_EQ(created.actions_size(), 2);
  EXPECT_EQ(created.actions(0).id(), "qbr");
  EXPECT_EQ(created.actions(0).objective(), "revenue");
  EXPECT_FALSE(created.actions(1).id().empty());
  EXPECT_NE(created.actions(1).id(), "qbr");
  for (const pv1::Action& action : created.actions()) {
    EXPECT_EQ(action.status(), pv1::OPEN) << action.id();
    EXPECT_FALSE(action.has_complete_time()) << action.id();
  }
  // Participants are filled in from the registry.
  ASSERT_EQ(created.participants_size(), 1);
  EXPECT_EQ(created.participants(0).contact(), ContactName("acme", "eve"));
  EXPECT_EQ(created.participants(0).display_name(), "Eve Adams");
  EXPECT_EQ(created.participants(0).title(), "Chief Procurement Officer");
  EXPECT_EQ(created.participants(0).role(), "executive sponsor");

  EXPECT_EQ(MustGet(created.name()).ShortDebugString(),
            created.ShortDebugString());

  // Each horizon has its own default review interval.
  EXPECT_EQ(MustCreate("acme", NewTacticalPlan("Acme 2026-27"), "tac")
                .review_interval_days(),
            180);
  EXPECT_EQ(MustCreate("acme", NewStrategicPlan("Acme 2030"), "strat")
                .review_interval_days(),
            365);
  pv1::AccountPlan monthly = NewOperationalPlan("Monthly reviews");
  monthly.set_review_interval_days(30);
  EXPECT_EQ(MustCreate("globex", monthly).review_interval_days(), 30);

  // Errors name the resource.
  pv1::AccountPlan missing;
  grpc::Status status = planning().Get(PlanName("acme", "nope"), &missing);
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(status.error_message(), HasSubstr("accounts/acme/plans/nope"));
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().Get("plans/x", &missing), "name"));
}

TEST_F(PlansTest, IdsAreGeneratedOrGivenAndARetryWritesNothingTwice) {
  const pv1::AccountPlan plan = NewOperationalPlan("Globex 2026");

  // Generated: URL-safe, at most 63 characters, different each time.
  pv1::AccountPlan first, second;
  ASSERT_TRUE(IsOk(planning().Create("globex", plan, &first)));
  ASSERT_TRUE(IsOk(planning().Create("globex", plan, &second)));
  EXPECT_THAT(first.name(),
              MatchesRegex("accounts/globex/plans/[A-Za-z0-9._~-]+"));
  EXPECT_LE(first.name().size(),
            std::string("accounts/globex/plans/").size() + 63);
  EXPECT_NE(first.name(), second.name());

  // A retry with the same request_id returns the first result, whether the
  // id was generated or given, and writes nothing twice.
  pv1::AccountPlan original, retried;
  ASSERT_TRUE(IsOk(planning().Create("acme", plan, &original, "", "req-7")));
  ASSERT_TRUE(IsOk(planning().Create("acme", plan, &retried, "", "req-7")));
  EXPECT_EQ(retried.ShortDebugString(), original.ShortDebugString());
  ASSERT_TRUE(
      IsOk(planning().Create("acme", plan, &original, "given-id", "req-8")));
  ASSERT_TRUE(
      IsOk(planning().Create("acme", plan, &retried, "given-id", "req-8")));
  EXPECT_EQ(retried.ShortDebugString(), original.ShortDebugString());
  EXPECT_EQ(original.name(), PlanName("acme", "given-id"));

  std::vector<pv1::AccountPlan> acme;
  ASSERT_TRUE(
      IsOk(planning().ListAll("accounts/acme", pv1::PLAN_HORIZON_UNSPECIFIED,
                              pv1::PLAN_STATUS_UNSPECIFIED, 0, &acme)));
  EXPECT_EQ(acme.size(), 2u) << AllPlans();
  EXPECT_EQ(MustListRevisions(PlanName("acme", "given-id"), true).size(), 1u);

  // A taken id without that request_id is ALREADY_EXISTS and changes
  // nothing.
  const std::string before = PlanState({PlanName("acme", "given-id")});
  pv1::AccountPlan other = NewOperationalPlan("Someone else's plan");
  pv1::AccountPlan ignored;
  grpc::Status status =
      planning().Create("acme", other, &ignored, "given-id", "req-9");
  EXPECT_TRUE(HasCode(status, grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(PlanState({PlanName("acme", "given-id")}), before);
}

TEST_F(PlansTest, ListFiltersByAccountHorizonAndStatusAndPages) {
  MustCreate("acme", NewOperationalPlan("Acme ops A"), "ops-a");
  MustCreate("acme", NewOperationalPlan("Acme ops B"), "ops-b");
  MustCreate("acme", NewTacticalPlan("Acme tactical"), "tac");
  MustCreate("acme", NewStrategicPlan("Acme strategic"), "strat");
  MustCreate("globex", NewOperationalPlan("Globex ops"), "g-ops");
  const pv1::AccountPlan initech =
      MustCreate("initech", NewTacticalPlan("Initech tactical"), "i-tac");
  ASSERT_FALSE(HasFailure());
  MustActivate(PlanName("acme", "ops-b"));
  pv1::AccountPlan closed;
  ASSERT_TRUE(IsOk(planning().Close(initech.name(), initech.etag(),
                                    "Initech merged into Acme", &closed)));

  auto list = [&](const std::string& parent, pv1::PlanHorizon horizon,
                  pv1::PlanStatus status) {
    std::vector<pv1::AccountPlan> plans;
    EXPECT_TRUE(IsOk(planning().ListAll(parent, horizon, status, 0, &plans)))
        << parent;
    return Names(plans);
  };
  // By account, then plan id.
  EXPECT_THAT(
      list("accounts/acme", pv1::PLAN_HORIZON_UNSPECIFIED,
           pv1::PLAN_STATUS_UNSPECIFIED),
      ElementsAre("accounts/acme/plans/ops-a", "accounts/acme/plans/ops-b",
                  "accounts/acme/plans/strat", "accounts/acme/plans/tac"));
  const std::vector<std::string> all = {
      "accounts/acme/plans/ops-a",   "accounts/acme/plans/ops-b",
      "accounts/acme/plans/strat",   "accounts/acme/plans/tac",
      "accounts/globex/plans/g-ops", "accounts/initech/plans/i-tac"};
  EXPECT_THAT(list("accounts/-", pv1::PLAN_HORIZON_UNSPECIFIED,
                   pv1::PLAN_STATUS_UNSPECIFIED),
              ElementsAreArray(all));
  EXPECT_THAT(
      list("accounts/-", pv1::OPERATIONAL, pv1::PLAN_STATUS_UNSPECIFIED),
      ElementsAre("accounts/acme/plans/ops-a", "accounts/acme/plans/ops-b",
                  "accounts/globex/plans/g-ops"));
  EXPECT_THAT(list("accounts/-", pv1::PLAN_HORIZON_UNSPECIFIED, pv1::ACTIVE),
              ElementsAre("accounts/acme/plans/ops-b"));
  EXPECT_THAT(list("accounts/-", pv1::PLAN_HORIZON_UNSPECIFIED, pv1::CLOSED),
              ElementsAre("accounts/initech/plans/i-tac"));
  EXPECT_THAT(
      list("accounts/-", pv1::OPERATIONAL, pv1::DRAFT),
      ElementsAre("accounts/acme/plans/ops-a", "accounts/globex/plans/g-ops"));
  EXPECT_THAT(
      list("accounts/acme", pv1::TACTICAL, pv1::PLAN_STATUS_UNSPECIFIED),
      ElementsAre("accounts/acme/plans/tac"));
  EXPECT_THAT(
      list("accounts/globex", pv1::PLAN_HORIZON_UNSPECIFIED, pv1::ACTIVE),
      ElementsAre());
  // An account without plans has an empty list.
  EXPECT_THAT(list("accounts/nobody", pv1::PLAN_HORIZON_UNSPECIFIED,
                   pv1::PLAN_STATUS_UNSPECIFIED),
              ElementsAre());

  // Pages of two: the same plans in the same order.
  pv1::ListAccountPlansRequest request;
  request.set_parent("accounts/-");
  request.set_page_size(2);
  std::vector<std::string> paged;
  int pages = 0;
  while (pages < 10) {
    ++pages;
    pv1::ListAccountPlansResponse response;
    ASSERT_TRUE(IsOk(planning().List(request, &response)));
    EXPECT_LE(response.plans_size(), 2);
    for (const pv1::AccountPlan& plan : response.plans()) {
      paged.push_back(plan.name());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(paged, ElementsAreArray(all));
  // Three pages (a fourth, empty one is allowed by the paging convention).
  EXPECT_GE(pages, 3);
  EXPECT_LE(pages, 4);
  // Pages of two with a filter.
  std::vector<pv1::AccountPlan> filtered;
  ASSERT_TRUE(
      IsOk(planning().ListAll("accounts/-", pv1::OPERATIONAL,
                              pv1::PLAN_STATUS_UNSPECIFIED, 2, &filtered)));
  EXPECT_THAT(Names(filtered), ElementsAre("accounts/acme/plans/ops-a",
                                           "accounts/acme/plans/ops-b",
                                           "accounts/globex/plans/g-ops"));

  // Bad requests name the field.
  pv1::ListAccountPlansRequest bad;
  pv1::ListAccountPlansResponse ignored;
  bad.set_parent("acme");
  EXPECT_TRUE(IsInvalidArgumentFor(planning().List(bad, &ignored), "parent"));
  bad.set_parent("accounts/-");
  bad.set_page_size(-1);
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().List(bad, &ignored), "page_size"));
  bad.set_page_size(2);
  bad.set_page_token("not-a-token");
  EXPECT_TRUE(
      IsInvalidArgumentFor(planning().List(bad, &ignored), "page_token"));
}

TEST_F(PlansTest, UpdateChangesTheMaskedFieldsUnderTheEtag) {
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  *plan.add_objectives() = NewObjective("nps", pv1::NPS, 20, 40, OpEnd());
  const pv1::AccountPlan created = MustCreate("acme", plan, "ops");
  ASSERT_FALSE(HasFailure());
  const std::string name = created.name();

  // Progress on "revenue", which the objective update below keeps.
  pv1::ProgressUpdate progress;
  *progress.mutable_measure_time() = Proto(At(2026, 4, 1));
  progress.set_value(5'200'000);
  progress.set_note("Q1 actuals");
  pv1::AccountPlan measured;
  ASSERT_TRUE(IsOk(planning().RecordProgress(name, "revenue", created.etag(),
                                             progress, &measured)));
  EXPECT_EQ(measured.revision(), 2);

  // Only the masked field changes.
  pv1::AccountPlan change = measured;
  change.set_title("Acme 2026: sensors and service");
  change.set_summary("This summary is not in the mask.");
  pv1::AccountPlan updated;
  ASSERT_TRUE(IsOk(planning().Update(change, {"title"}, &updated)));
  EXPECT_EQ(updated.title(), "Acme 2026: sensors and service");
  EXPECT_EQ(updated.summary(), created.summary());
  EXPECT_EQ(updated.revision(), 3);
  EXPECT_NE(updated.etag(), measured.etag());
  EXPECT_EQ(updated.status(), pv1::DRAFT);
  EXPECT_EQ(MustGet(name).ShortDebugString(), updated.ShortDebugString());

  // A stale etag is ABORTED and changes nothing.
  const std::string before = PlanState({name});
  change.set_title("Written over an old version");
  pv1::AccountPlan ignored;
  EXPECT_TRUE(HasCode(planning().Update(change, {"title"}, &ignored),
                      grpc::StatusCode::ABORTED));
  EXPECT_EQ(PlanState({name}), before);

  // The objectives are replaced whole: "nps" goes, "wallet" comes, and
  // "revenue" stays (with a new target) and keeps its progress.
  change = updated;
  change.clear_objectives();
  pv1::Objective revenue =
      NewObjective("revenue", pv1::REVENUE, 5'000'000, 6'500'000, OpEnd(),
                   "Grow revenue with Acme by 30%");
  *change.add_objectives() = revenue;
  *change.add_objectives() =
      NewObjective("wallet", pv1::SHARE_OF_WALLET, 25, 35, OpEnd());
  ASSERT_TRUE(IsOk(planning().Update(change, {"objectives"}, &updated)));
  EXPECT_EQ(updated.revision(), 4);
  ASSERT_EQ(updated.objectives_size(), 2);
  EXPECT_EQ(updated.objectives(0).id(), "revenue");
  EXPECT_EQ(updated.objectives(0).statement(), "Grow revenue with Acme by 30%");
  EXPECT_EQ(updated.objectives(0).target(), 6'500'000);
  ASSERT_EQ(updated.objectives(0).progress_size(), 1);
  EXPECT_EQ(updated.objectives(0).progress(0).value(), 5'200'000);
  EXPECT_EQ(updated.objectives(0).progress(0).note(), "Q1 actuals");
  EXPECT_EQ(FromProto(updated.objectives(0).progress(0).measure_time()),
            At(2026, 4, 1));
  EXPECT_NE(updated.objectives(0).status(), pv1::NOT_MEASURED);
  EXPECT_EQ(updated.objectives(1).id(), "wallet");
  EXPECT_EQ(updated.objectives(1).progress_size(), 0);
  EXPECT_EQ(updated.objectives(1).status(), pv1::NOT_MEASURED);
  EXPECT_EQ(FindObjective(updated, "nps"), nullptr);
  // The actions were not in the mask.
  EXPECT_EQ(updated.actions().size(), created.actions().size());

  // Several paths at once; the progress on "revenue" still there.
  change = updated;
  change.set_summary("Sensors first, then service.");
  change.set_review_interval_days(30);
  *change.add_actions() =
      NewAction("visit", "Plant visit in Lyon", At(2026, 7, 1), "wallet");
  *change.add_participants() = NewParticipant("acme", "max", "operations");
  ASSERT_TRUE(IsOk(planning().Update(
      change, {"summary", "review_interval_days", "actions", "participants"},
      &updated)));
  EXPECT_EQ(updated.revision(), 5);
  EXPECT_EQ(updated.summary(), "Sensors first, then service.");
  EXPECT_EQ(updated.review_interval_days(), 30);
  ASSERT_EQ(updated.actions_size(), 2);
  EXPECT_EQ(updated.actions(1).id(), "visit");
  EXPECT_EQ(updated.actions(1).status(), pv1::OPEN);
  ASSERT_EQ(updated.participants_size(), 1);
  EXPECT_EQ(updated.participants(0).display_name(), "Max Mustermann");
  ASSERT_NE(FindObjective(updated, "revenue"), nullptr);
  EXPECT_EQ(FindObjective(updated, "revenue")->progress_size(), 1);
  EXPECT_EQ(MustGet(name).ShortDebugString(), updated.ShortDebugString());

  // The period moves with the mask path "period" (395 days still fit the
  // operational horizon).
  change = updated;
  *change.mutable_period_end() = Proto(At(2027, 1, 31));
  ASSERT_TRUE(IsOk(planning().Update(change, {"period"}, &updated)));
  EXPECT_EQ(FromProto(updated.period_start()), OpStart());
  EXPECT_EQ(FromProto(updated.period_end()), At(2027, 1, 31));
  EXPECT_EQ(updated.revision(), 6);

  // A plan that is not there.
  change.set_name(PlanName("acme", "nope"));
  EXPECT_TRUE(HasCode(planning().Update(change, {"title"}, &ignored),
                      grpc::StatusCode::NOT_FOUND));
}

TEST_F(PlansTest, OnlyADraftCanBeDeleted) {
  const pv1::AccountPlan draft =
      MustCreate("acme", NewOperationalPlan("Acme draft"), "draft");
  pv1::AccountPlan active =
      MustCreate("globex", NewOperationalPlan("Globex 2026"), "active");
  ASSERT_FALSE(HasFailure());
  active = MustActivate(active.name());
  ASSERT_EQ(active.status(), pv1::ACTIVE);

  // A stale etag: ABORTED, nothing deleted.
  pv1::AccountPlan renamed = draft;
  renamed.set_title("Acme draft, renamed");
  pv1::AccountPlan current;
  ASSERT_TRUE(IsOk(planning().Update(renamed, {"title"}, &current)));
  EXPECT_TRUE(HasCode(planning().Delete(draft.name(), draft.etag()),
                      grpc::StatusCode::ABORTED));
  EXPECT_EQ(MustGet(draft.name()).ShortDebugString(),
            current.ShortDebugString());

  // The draft goes with its revisions.
  ASSERT_TRUE(IsOk(planning().Delete(draft.name(), current.etag())));
  pv1::AccountPlan gone;
  EXPECT_TRUE(HasCode(planning().Get(draft.name(), &gone),
                      grpc::StatusCode::NOT_FOUND));
  std::vector<pv1::PlanRevision> revisions;
  EXPECT_TRUE(
      HasCode(planning().ListAllRevisions(draft.name(), true, &revisions),
              grpc::StatusCode::NOT_FOUND));
  pv1::PlanRevision revision;
  EXPECT_TRUE(
      HasCode(planning().GetRevision(RevisionName(draft.name(), 1), &revision),
              grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(planning().Delete(draft.name(), ""),
                      grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(AllPlans(), Not(HasSubstr(draft.name())));

  // An active plan is closed, not deleted.
  const std::string before = PlanState({active.name()});
  EXPECT_TRUE(HasCode(planning().Delete(active.name(), active.etag()),
                      grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(PlanState({active.name()}), before);
  pv1::AccountPlan closed;
  ASSERT_TRUE(IsOk(planning().Close(active.name(), active.etag(),
                                    "Replaced by the 2027 plan", &closed)));
  EXPECT_TRUE(HasCode(planning().Delete(closed.name(), closed.etag()),
                      grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(MustGet(closed.name()).status(), pv1::CLOSED);
}

// Every change makes a revision; the list is newest first and each revision
// holds the plan exactly as the change returned it; the export renders the
// current plan or any revision.
TEST_F(PlansTest, EveryChangeIsARevisionThatReadsAndExportsAsItWas) {
  pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  *plan.add_participants() = NewParticipant("acme", "eve", "executive sponsor");
  std::vector<pv1::AccountPlan> steps;  // steps[n - 1]: revision n
  steps.push_back(MustCreate("acme", plan, "ops"));
  ASSERT_FALSE(HasFailure());
  const std::string name = steps.back().name();

  pv1::AccountPlan next = steps.back();
  next.set_title("Acme 2026: sensors and service");
  pv1::AccountPlan out;
  ASSERT_TRUE(IsOk(planning().Update(next, {"title"}, &out)));
  steps.push_back(out);
  pv1::ProgressUpdate progress;
  progress.set_value(5'300'000);
  ASSERT_TRUE(IsOk(
      planning().RecordProgress(name, "revenue", out.etag(), progress, &out)));
  steps.push_back(out);
  ASSERT_TRUE(IsOk(planning().Activate(name, out.etag(), &out)));
  steps.push_back(out);
  pv1::Action done;
  done.set_id("qbr");
  done.set_status(pv1::IN_PROGRESS);
  ASSERT_TRUE(
      IsOk(planning().UpdateAction(name, out.etag(), done, {"status"}, &out)));
  steps.push_back(out);
  pv1::CustomerAgreement agreement;
  agreement.set_contact(ContactName("acme", "eve"));
  ASSERT_TRUE(
      IsOk(planning().RecordAgreement(name, out.etag(), agreement, &out)));
  steps.push_back(out);
  ASSERT_TRUE(IsOk(planning().StartReview(name, out.etag(), &out)));
  steps.push_back(out);
  pv1::PlanReview review;
  review.add_reviewers("kam@supplier.example");
  review.set_outcome("On course; keep the plan.");
  ASSERT_TRUE(IsOk(planning().RecordReview(name, out.etag(), review, &out)));
  steps.push_back(out);
  ASSERT_TRUE(
      IsOk(planning().Close(name, out.etag(), "Superseded by 2027", &out)));
  steps.push_back(out);

  const std::vector<pv1::ChangeKind> kinds = {
      pv1::PLAN_CREATED,   pv1::PLAN_UPDATED,    pv1::PROGRESS_RECORDED,
      pv1::PLAN_ACTIVATED, pv1::ACTION_UPDATED,  pv1::CUSTOMER_AGREED,
      pv1::REVIEW_STARTED, pv1::REVIEW_RECORDED, pv1::PLAN_CLOSED};
  ASSERT_EQ(steps.size(), kinds.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].revision(), static_cast<int64_t>(i + 1))
        << pv1::ChangeKind_Name(kinds[i]);
  }

  // Newest first, each with its change and the plan as it was.
  const std::vector<pv1::PlanRevision> revisions = MustListRevisions(name);
  ASSERT_EQ(revisions.size(), steps.size());
  for (size_t i = 0; i < revisions.size(); ++i) {
    const pv1::PlanRevision& revision = revisions[i];
    const size_t n = steps.size() - i;  // the revision number
    SCOPED_TRACE(absl::StrCat("revision ", n));
    EXPECT_EQ(revision.revision(), static_cast<int64_t>(n));
    EXPECT_EQ(revision.name(), RevisionName(name, static_cast<int64_t>(n)));
    EXPECT_EQ(revision.change(), kinds[n - 1]);
    EXPECT_FALSE(revision.description().empty());
    EXPECT_EQ(FromProto(revision.create_time()), FixedNow());
    EXPECT_EQ(revision.plan().ShortDebugString(),
              steps[n - 1].ShortDebugString());
  }
  // One by one, the same.
  for (size_t n = 1; n <= steps.size(); ++n) {
    pv1::PlanRevision revision;
    ASSERT_TRUE(IsOk(planning().GetRevision(
        RevisionName(name, static_cast<int64_t>(n)), &revision)));
    EXPECT_EQ(revision.plan().ShortDebugString(),
              steps[n - 1].ShortDebugString())
        << "revision " << n;
  }
  EXPECT_EQ(revisions[steps.size() - 1].plan().title(), "Acme 2026");
  EXPECT_EQ(revisions[steps.size() - 1].plan().status(), pv1::DRAFT);

  // Pages of four, and a short history without the plan copies.
  std::vector<pv1::PlanRevision> paged;
  ASSERT_TRUE(IsOk(planning().ListAllRevisions(name, true, &paged, 4)));
  ASSERT_EQ(paged.size(), revisions.size());
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i].revision(), revisions[i].revision());
    EXPECT_EQ(paged[i].change(), revisions[i].change());
    EXPECT_EQ(paged[i].description(), revisions[i].description());
    EXPECT_FALSE(paged[i].has_plan()) << paged[i].ShortDebugString();
  }
  pv1::ListPlanRevisionsRequest first_page;
  first_page.set_plan(name);
  first_page.set_page_size(4);
  pv1::ListPlanRevisionsResponse page;
  ASSERT_TRUE(IsOk(planning().ListRevisions(first_page, &page)));
  EXPECT_EQ(page.revisions_size(), 4);
  EXPECT_FALSE(page.next_page_token().empty());

  // A revision that is not there; a name that is not a revision's.
  pv1::PlanRevision missing;
  EXPECT_TRUE(HasCode(planning().GetRevision(RevisionName(name, 10), &missing),
                      grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(IsInvalidArgumentFor(
      planning().GetRevision(name + "/revisions/latest", &missing), "name"));

  // Export: the current plan (revision 0) and a past one.
  pv1::ExportAccountPlanResponse current;
  ASSERT_TRUE(IsOk(planning().Export(name, 0, &current)));
  EXPECT_THAT(current.markdown(), HasSubstr("Acme 2026: sensors and service"));
  EXPECT_THAT(current.markdown(),
              HasSubstr(steps.back().objectives(0).statement()));
  EXPECT_THAT(current.markdown(),
              HasSubstr(steps.back().strategy().product().text()));
  EXPECT_THAT(current.markdown(), HasSubstr(steps.back().actions(0).title()));
  EXPECT_TRUE(absl::EndsWith(current.file_name(), ".md"))
      << current.file_name();
  pv1::ExportAccountPlanResponse first;
  ASSERT_TRUE(IsOk(planning().Export(name, 1, &first)));
  EXPECT_THAT(first.markdown(), HasSubstr("Acme 2026"));
  EXPECT_THAT(first.markdown(), Not(HasSubstr("sensors and service")));
  EXPECT_NE(first.markdown(), current.markdown());
  pv1::ExportAccountPlanResponse again;
  ASSERT_TRUE(IsOk(planning().Export(name, 1, &again)));
  EXPECT_EQ(again.markdown(), first.markdown());
  pv1::ExportAccountPlanResponse none;
  EXPECT_TRUE(
      HasCode(planning().Export(name, 10, &none), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasCode(planning().Export(PlanName("acme", "nope"), 0, &none),
                      grpc::StatusCode::NOT_FOUND));
}

}  // namespace
TEST_F(PlansTest, RequestIdOfAnotherPlanIsRefusedAndADeletedPlanIsNotReplayed) {
  const pv1::AccountPlan plan = NewOperationalPlan("Acme 2026");
  pv1::AccountPlan first, out;
  ASSERT_TRUE(IsOk(planning().Create("acme", plan, &first, "", "req-plan")));
  const std::string before = AllPlans();

  const grpc::Status refused = planning().Create(
      "acme", NewOperationalPlan("Acme 2027"), &out, "", "req-plan");
  ASSERT_TRUE(HasCode(refused, grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(
      refused.error_message(),
      ::testing::StartsWith("request_id: was used for a different request"));
  EXPECT_EQ(AllPlans(), before);

  ASSERT_TRUE(IsOk(planning().Delete(first.name(), "")));
  const grpc::Status gone =
      planning().Create("acme", plan, &out, "", "req-plan");
  ASSERT_TRUE(HasCode(gone, grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(gone.error_message(),
              HasSubstr("request_id: this request already created " +
                        first.name() + ", which has since been deleted"));
}

}  // namespace kam::planning_test
