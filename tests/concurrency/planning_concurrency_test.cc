// Planning under many simultaneous writers, through a real kam-planning
// (with the registry, engagement and scoring it follows): of many drafts of
// one account and horizon activated at once, exactly one comes into force;
// progress recorded at once on one plan loses no measurement, and its
// revisions are numbered 1..N without gap, in the order they committed.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/concurrency/concurrent_callers.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

using concurrency_test::RunConcurrently;
using concurrency_test::StatusTally;

class PlanningConcurrencyTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }

  // The plans of the account and horizon in force (ACTIVE or UNDER_REVIEW).
  std::vector<std::string> InForce(const std::string& account_id,
                                   pv1::PlanHorizon horizon) {
    std::vector<pv1::AccountPlan> plans;
    EXPECT_TRUE(
        IsOk(planning().ListAll(AccountName(account_id), horizon,
                                pv1::PLAN_STATUS_UNSPECIFIED, 0, &plans)));
    std::vector<std::string> names;
    for (const pv1::AccountPlan& plan : plans) {
      if (plan.status() == pv1::ACTIVE || plan.status() == pv1::UNDER_REVIEW) {
        names.push_back(plan.name());
      }
    }
    return names;
  }
};

TEST_F(PlanningConcurrencyTest, OnePlanPerAccountAndHorizonComesIntoForce) {
  // Three contested slots, eight drafts each, every draft activated by its
  // own caller at once.
  struct Slot {
    std::string account_id;
    pv1::PlanHorizon horizon;
  };
  const std::vector<Slot> slots = {{"acme", pv1::OPERATIONAL},
                                   {"acme", pv1::TACTICAL},
                                   {"globex", pv1::OPERATIONAL}};
  constexpr int kDraftsPerSlot = 8;
  std::vector<std::string> drafts;  // caller -> plan name
  std::vector<int> slot_of;
  for (size_t s = 0; s < slots.size(); ++s) {
    for (int d = 0; d < kDraftsPerSlot; ++d) {
      const std::string title = absl::StrCat("Draft ", d);
      const pv1::AccountPlan plan =
          MustCreate(slots[s].account_id, slots[s].horizon == pv1::TACTICAL
                                              ? NewTacticalPlan(title)
                                              : NewOperationalPlan(title));
      ASSERT_FALSE(plan.name().empty());
      drafts.push_back(plan.name());
      slot_of.push_back(static_cast<int>(s));
    }
  }

  // Two rounds: the winners of the first are closed, then the drafts left
  // (unchanged by their refused activation) race again.
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::vector<std::string> contenders;
    std::vector<std::string> etags;
    for (const std::string& name : drafts) {
      const pv1::AccountPlan plan = MustGet(name);
      if (plan.status() != pv1::DRAFT) continue;
      contenders.push_back(name);
      etags.push_back(plan.etag());
    }
    ASSERT_EQ(contenders.size(), slots.size() * (kDraftsPerSlot - round));
    std::vector<grpc::Status> results(contenders.size());
    RunConcurrently(static_cast<int>(contenders.size()), [&](int caller) {
      pv1::AccountPlan activated;
      results[caller] =
          planning().Activate(contenders[caller], etags[caller], &activated);
    });

    std::map<int, StatusTally> by_slot;
    std::map<int, std::string> winner;
    for (size_t c = 0; c < contenders.size(); ++c) {
      const int s =
          slot_of[std::find(drafts.begin(), drafts.end(), contenders[c]) -
                  drafts.begin()];
      by_slot[s].Add(results[c]);
      if (results[c].ok()) winner[s] = contenders[c];
    }
    for (size_t s = 0; s < slots.size(); ++s) {
      SCOPED_TRACE(absl::StrCat(slots[s].account_id, " ",
                                HorizonLabel(slots[s].horizon)));
      const StatusTally& tally = by_slot[static_cast<int>(s)];
      EXPECT_EQ(tally.count(grpc::StatusCode::OK), 1) << tally.ToString();
      EXPECT_EQ(tally.count(grpc::StatusCode::FAILED_PRECONDITION),
                kDraftsPerSlot - round - 1)
          << tally.ToString();
      const std::vector<std::string> in_force =
          InForce(slots[s].account_id, slots[s].horizon);
      EXPECT_EQ(in_force,
                std::vector<std::string>{winner[static_cast<int>(s)]});
    }
    for (const auto& [s, name] : winner) {
      pv1::AccountPlan closed;
      ASSERT_TRUE(IsOk(planning().Close(name, "", "Superseded", &closed)));
    }
  }
}

TEST_F(PlanningConcurrencyTest, ProgressRecordedAtOnceKeepsEveryRevision) {
  constexpr int kCallers = 16;
  constexpr int kEach = 4;
  const pv1::AccountPlan created =
      MustCreate("acme", NewOperationalPlan("Acme 2026"));
  const pv1::AccountPlan active = MustActivate(created.name());
  ASSERT_EQ(active.status(), pv1::ACTIVE);

  absl::Mutex mu;
  std::set<int64_t> written;
  StatusTally tally;
  RunConcurrently(kCallers, [&](int caller) {
    for (int k = 0; k < kEach; ++k) {
      pv1::ProgressUpdate progress;
      const int64_t value = 5'000'000 + caller * 1000 + k;
      progress.set_value(value);
      progress.set_note(absl::StrCat("caller ", caller));
      pv1::AccountPlan out;
      grpc::Status status = planning().RecordProgress(active.name(), "revenue",
                                                      "", progress, &out);
      tally.Add(status);
      EXPECT_TRUE(IsOk(status));
      if (status.ok()) {
        absl::MutexLock lock(&mu);
        written.insert(value);
      }
    }
  });
  ASSERT_EQ(tally.count(grpc::StatusCode::OK), kCallers * kEach)
      << tally.ToString();

  const pv1::AccountPlan after = MustGet(active.name());
  EXPECT_EQ(after.revision(), active.revision() + kCallers * kEach);
  const pv1::Objective* revenue = FindObjective(after, "revenue");
  ASSERT_NE(revenue, nullptr);
  std::set<int64_t> kept;
  for (const pv1::ProgressUpdate& progress : revenue->progress()) {
    kept.insert(progress.value());
  }
  EXPECT_EQ(kept, written) << "every acknowledged measurement, and only those";
  EXPECT_EQ(revenue->progress_size(), kCallers * kEach);

  // Revisions 1..N, each once; each progress revision's copy of the plan
  // holds one more measurement than the one before, so the numbering follows
  // the order the writes committed.
  std::vector<pv1::PlanRevision> revisions =
      MustListRevisions(active.name(), /*omit_plans=*/false);
  std::sort(revisions.begin(), revisions.end(),
            [](const pv1::PlanRevision& a, const pv1::PlanRevision& b) {
              return a.revision() < b.revision();
            });
  ASSERT_EQ(revisions.size(), static_cast<size_t>(after.revision()));
  int measurements = 0;
  for (size_t i = 0; i < revisions.size(); ++i) {
    const pv1::PlanRevision& revision = revisions[i];
    ASSERT_EQ(revision.revision(), static_cast<int64_t>(i + 1));
    if (revision.change() != pv1::PROGRESS_RECORDED) continue;
    ++measurements;
    const pv1::Objective* copy = FindObjective(revision.plan(), "revenue");
    ASSERT_NE(copy, nullptr) << revision.name();
    EXPECT_EQ(copy->progress_size(), measurements) << revision.name();
    EXPECT_EQ(revision.plan().revision(), revision.revision())
        << revision.name();
  }
  EXPECT_EQ(measurements, kCallers * kEach);
}

}  // namespace
}  // namespace kam::planning_test
