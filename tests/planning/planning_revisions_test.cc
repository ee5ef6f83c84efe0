// A plan's history costs storage in proportion to what changed: each
// revision stores the plan without its objectives' progress, plus where
// that progress is (each update is stored once), and is put back together
// when read. Every revision still reads back exactly as it was, including
// one written by an older binary with its progress inline.

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/planning/planning_testing.h"

namespace kam::planning_test {
namespace {

// planning's RocksDB, opened by the test while kam-planning is stopped.
class StoredDatabase {
 public:
  explicit StoredDatabase(const std::string& path) {
    std::vector<std::string> names;
    rocksdb::Status status =
        rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names)
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    status =
        rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    EXPECT_TRUE(status.ok()) << status.ToString();
    db_.reset(db);
    for (size_t i = 0; i < handles_.size(); ++i)
      by_name_[names[i]] = handles_[i];
  }
  ~StoredDatabase() {
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  }

  bool ok() const { return db_ != nullptr; }
  rocksdb::DB& db() { return *db_; }
  // The family, or null if the database has none of that name.
  rocksdb::ColumnFamilyHandle* family(const std::string& name) {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }
  // Key -> value size of every entry of the family.
  std::map<std::string, size_t> Sizes(const std::string& name) {
    std::map<std::string, size_t> sizes;
    rocksdb::ColumnFamilyHandle* handle = family(name);
    if (handle == nullptr) return sizes;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      sizes[it->key().ToString()] = it->value().size();
    }
    return sizes;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

size_t Total(const std::map<std::string, size_t>& sizes) {
  size_t total = 0;
  for (const auto& [key, size] : sizes) total += key.size() + size;
  return total;
}

// The row of objective `id` in an exported plan's objectives table.
std::string ObjectiveRow(const std::string& markdown, const std::string& id) {
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (absl::StartsWith(line, absl::StrCat("| ", id, " |"))) {
      return std::string(line);
    }
  }
  return "";
}

class RevisionsTest : public PlanningTest {
 protected:
  void SetUp() override {
    PlanningTest::SetUp();
    if (HasFatalFailure()) return;
    SeedCustomers();
  }

  std::string DataDir() { return dir_.Sub("planning/data"); }

  // Records `value` on `objective` (note: "<objective> #<value>"); keeps the
  // plan after as the expected copy of its revision.
  void Measure(const std::string& objective, int64_t value) {
    pv1::ProgressUpdate progress;
    progress.set_value(value);
    progress.set_note(absl::StrCat(objective, " #", value));
    pv1::AccountPlan out;
    ASSERT_TRUE(IsOk(planning().RecordProgress(
        current_.name(), objective, current_.etag(), progress, &out)))
        << objective << " = " << value;
    Keep(out);
  }
  void SetObjectives(const std::vector<std::string>& ids) {
    pv1::AccountPlan next = current_;
    next.clear_objectives();
    for (const std::string& id : ids) {
      *next.add_objectives() = NewObjective(id, pv1::CUSTOM, 0, 100, OpEnd());
    }
    pv1::AccountPlan out;
    ASSERT_TRUE(IsOk(planning().Update(next, {"objectives"}, &out)));
    Keep(out);
  }
  void Keep(const pv1::AccountPlan& plan) {
    current_ = plan;
    expected_[plan.revision()] = plan;
  }

  // Every revision, by GetPlanRevision and ListPlanRevisions (pages of 3),
  // carries exactly the plan as the change that made it returned it.
  void ExpectEveryRevisionAsItWas() {
    for (const auto& [number, plan] : expected_) {
      pv1::PlanRevision revision;
      ASSERT_TRUE(IsOk(planning().GetRevision(
          RevisionName(current_.name(), number), &revision)));
      EXPECT_EQ(revision.revision(), number);
      EXPECT_EQ(revision.plan().SerializeAsString(), plan.SerializeAsString())
          << "revision " << number << ": " << revision.plan().DebugString()
          << "\nexpected: " << plan.DebugString();
    }
    std::vector<pv1::PlanRevision> listed;
    ASSERT_TRUE(
        IsOk(planning().ListAllRevisions(current_.name(), false, &listed, 3)));
    ASSERT_EQ(listed.size(), expected_.size());
    for (const pv1::PlanRevision& revision : listed) {
      EXPECT_EQ(revision.plan().SerializeAsString(),
                expected_[revision.revision()].SerializeAsString())
          << "listed revision " << revision.revision();
    }
    std::vector<pv1::PlanRevision> short_history;
    ASSERT_TRUE(IsOk(
        planning().ListAllRevisions(current_.name(), true, &short_history)));
    ASSERT_EQ(short_history.size(), expected_.size());
    for (const pv1::PlanRevision& revision : short_history) {
      EXPECT_FALSE(revision.has_plan());
    }
  }

  pv1::AccountPlan current_;
  std::map<int64_t, pv1::AccountPlan> expected_;
};

// "b" is removed after two updates and added again: from then on it starts
// with no progress, while the revisions before still show its two.
TEST_F(RevisionsTest, EveryRevisionReadsBackWithTheProgressItHad) {
  pv1::AccountPlan plan =
      NewPlan(pv1::OPERATIONAL, "Acme 2026", OpStart(), OpEnd());
  for (const char* id : {"a", "b", "c"}) {
    *plan.add_objectives() = NewObjective(id, pv1::CUSTOM, 0, 100, OpEnd());
  }
  *plan.add_actions() =
      NewAction("qbr", "Business review", At(2026, 9, 15), "a");
  Keep(MustCreate("acme", plan, "ops"));
  ASSERT_FALSE(HasFailure());
  Measure("a", 10);
  Measure("a", 20);
  Measure("b", 11);
  Measure("a", 30);
  Measure("b", 12);
  const int64_t with_b = current_.revision();
  SetObjectives({"a", "c"});
  Measure("c", 40);
  SetObjectives({"a", "b", "c"});
  const int64_t b_again = current_.revision();
  Measure("b", 13);
  Measure("a", 40);
  pv1::AccountPlan out;
  ASSERT_TRUE(
      IsOk(planning().Activate(current_.name(), current_.etag(), &out)));
  Keep(out);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(FindObjective(current_, "b")->progress_size(), 1);
  ASSERT_EQ(FindObjective(current_, "a")->progress_size(), 4);

  ExpectEveryRevisionAsItWas();

  // The Markdown of an old revision shows the latest progress of then.
  pv1::ExportAccountPlanResponse old;
  ASSERT_TRUE(IsOk(planning().Export(current_.name(), with_b, &old)));
  EXPECT_TRUE(absl::StrContains(ObjectiveRow(old.markdown(), "b"), "| 12"))
      << old.markdown();
  EXPECT_TRUE(absl::StrContains(ObjectiveRow(old.markdown(), "c"), "| - |"))
      << old.markdown();
  ASSERT_TRUE(IsOk(planning().Export(current_.name(), b_again, &old)));
  EXPECT_TRUE(absl::StrContains(ObjectiveRow(old.markdown(), "b"), "| - |"))
      << old.markdown();
  EXPECT_TRUE(absl::StrContains(ObjectiveRow(old.markdown(), "c"), "| 40"))
      << old.markdown();

  // And all of it survives a restart.
  RestartPlanning();
  ExpectEveryRevisionAsItWas();
}

// A store written by an older binary: every revision holds its plan with
// all progress inline, and there is no progress family content. Such
// revisions read back as they were, and the next change goes on from them.
TEST_F(RevisionsTest, RevisionsStoredWithProgressInlineStillRead) {
  pv1::AccountPlan plan =
      NewPlan(pv1::OPERATIONAL, "Acme 2026", OpStart(), OpEnd());
  for (const char* id : {"a", "b"}) {
    *plan.add_objectives() = NewObjective(id, pv1::CUSTOM, 0, 100, OpEnd());
  }
  Keep(MustCreate("acme", plan, "ops"));
  ASSERT_FALSE(HasFailure());
  Measure("a", 10);
  Measure("b", 20);
  Measure("a", 30);
  std::vector<pv1::PlanRevision> revisions;
  ASSERT_TRUE(
      IsOk(planning().ListAllRevisions(current_.name(), false, &revisions)));
  ASSERT_EQ(revisions.size(), 4u);
  ASSERT_TRUE(TerminatePlanning().ok());
  {
    StoredDatabase stored(DataDir());
    ASSERT_TRUE(stored.ok());
    rocksdb::ColumnFamilyHandle* family = stored.family("revisions");
    ASSERT_NE(family, nullptr);
    std::map<std::string, size_t> keys = stored.Sizes("revisions");
    ASSERT_EQ(keys.size(), revisions.size());
    // Newest first in both.
    size_t i = 0;
    for (const auto& [key, size] : keys) {
      ASSERT_TRUE(stored.db()
                      .Put(rocksdb::WriteOptions(), family, key,
                           revisions[i++].SerializeAsString())
                      .ok());
    }
    for (const auto& [key, size] : stored.Sizes("progress")) {
      ASSERT_TRUE(
          stored.db()
              .Delete(rocksdb::WriteOptions(), stored.family("progress"), key)
              .ok());
    }
  }
  StartPlanning();
  ExpectEveryRevisionAsItWas();
  Measure("b", 40);
  Measure("a", 50);
  ASSERT_FALSE(HasFailure());
  ExpectEveryRevisionAsItWas();
}

// Deleting a draft deletes its progress with its revisions; another plan's
// stays.
TEST_F(RevisionsTest, DeletingADraftDeletesItsProgress) {
  pv1::AccountPlan plan =
      NewPlan(pv1::OPERATIONAL, "Acme 2026", OpStart(), OpEnd());
  *plan.add_objectives() = NewObjective("a", pv1::CUSTOM, 0, 100, OpEnd());
  Keep(MustCreate("acme", plan, "kept"));
  ASSERT_FALSE(HasFailure());
  Measure("a", 10);
  Keep(MustCreate("acme", plan, "ops"));
  ASSERT_FALSE(HasFailure());
  Measure("a", 20);
  Measure("a", 30);
  ASSERT_TRUE(IsOk(planning().Delete(current_.name(), current_.etag())));
  ASSERT_TRUE(TerminatePlanning().ok());
  StoredDatabase stored(DataDir());
  ASSERT_TRUE(stored.ok());
  std::vector<std::string> keys;
  for (const auto& [key, size] : stored.Sizes("progress")) keys.push_back(key);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(keys[0], "acme/kept/a/")) << keys[0];
}

// 20 objectives with 50 updates each: 1001 revisions. Stored as full
// copies, the revisions would hold each update about 500 times over; here a
// revision's size does not grow with the plan's progress.
TEST_F(RevisionsTest, RevisionStorageGrowsLinearly) {
  constexpr int kObjectives = 20;
  constexpr int kUpdates = 50;
  pv1::AccountPlan plan =
      NewPlan(pv1::OPERATIONAL, "Acme 2026", OpStart(), OpEnd());
  for (int o = 0; o < kObjectives; ++o) {
    *plan.add_objectives() = NewObjective(absl::StrCat("objective-", o),
                                          pv1::CUSTOM, 0, 100, OpEnd());
  }
  Keep(MustCreate("acme", plan, "ops"));
  ASSERT_FALSE(HasFailure());
  for (int u = 0; u < kUpdates; ++u) {
    for (int o = 0; o < kObjectives; ++o) {
      Measure(absl::StrCat("objective-", o), u);
      ASSERT_FALSE(HasFailure());
    }
  }
  // What the revisions would take as full copies: each one's plan as read.
  size_t full_copies = 0;
  for (int64_t n = 1; n <= current_.revision(); ++n) {
    pv1::PlanRevision revision;
    ASSERT_TRUE(IsOk(
        planning().GetRevision(RevisionName(current_.name(), n), &revision)));
    if (n == 2 || n == current_.revision()) {
      EXPECT_EQ(revision.plan().SerializeAsString(),
                expected_[n].SerializeAsString());
    }
    full_copies += revision.ByteSizeLong();
  }
  const size_t plan_bytes = current_.ByteSizeLong();
  ASSERT_TRUE(TerminatePlanning().ok());
  StoredDatabase stored(DataDir());
  ASSERT_TRUE(stored.ok());
  const std::map<std::string, size_t> revisions = stored.Sizes("revisions");
  const std::map<std::string, size_t> progress = stored.Sizes("progress");
  const int records = kObjectives * kUpdates;
  ASSERT_EQ(revisions.size(), static_cast<size_t>(records + 1));
  ASSERT_EQ(progress.size(), static_cast<size_t>(records));
  size_t smallest = SIZE_MAX, largest = 0;
  for (const auto& [key, size] : revisions) {
    smallest = std::min(smallest, size);
    largest = std::max(largest, size);
  }
  std::cout << "revisions: " << revisions.size() << " entries, "
            << Total(revisions) << " bytes (keys + values; each value "
            << smallest << ".." << largest << " bytes)\n"
            << "progress: " << progress.size() << " entries, "
            << Total(progress) << " bytes\n"
            << "as full copies the revisions' values would take " << full_copies
            << " bytes\n"
            << "current plan: " << plan_bytes << " bytes\n";
  // A revision costs the same whatever the plan's progress: the last is no
  // bigger than the first, give or take the ranges' varints and the
  // objectives' evaluation (as full copies they grow by ~30 KB).
  EXPECT_LE(largest, smallest + 50 * kObjectives);
  // Linear: a generous constant per record (the plan without progress here
  // is about 2 KB; one update is about 30 bytes).
  EXPECT_LT(Total(revisions) + Total(progress),
            static_cast<size_t>(records) * 8192);
  EXPECT_LT(Total(progress), static_cast<size_t>(records) * 128);
}

}  // namespace
}  // namespace kam::planning_test
