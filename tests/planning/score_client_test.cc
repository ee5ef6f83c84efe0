// ScoringScoreSource, the one outbound call a planning write makes: each
// call to scoring carries the sooner of the source's own deadline and the
// caller's deadline it is given, and none is made
// when no time is left. Against an in-process fake Scoring on 127.0.0.1
// port 0 that records the deadline each call arrived with.

#include "services/planning/score_client.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/handler.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kam/scoring/v1/scoring.grpc.pb.h"

namespace kam::planning {
namespace {

namespace sv1 = ::kam::scoring::v1;

constexpr char kAccount[] = "accounts/vestwind";

// Answers GetScore and GetAbcAnalysis for kAccount and records the deadline
// of every call.
class FakeScoring final : public sv1::Scoring::Service {
 public:
  grpc::Status GetScore(grpc::ServerContext* context,
                        const sv1::GetScoreRequest* request,
                        sv1::Score* response) override {
    Record(*context);
    response->set_account(request->account());
    response->set_score(71.5);
    return grpc::Status::OK;
  }
  grpc::Status GetAbcAnalysis(grpc::ServerContext* context,
                              const sv1::GetAbcAnalysisRequest*,
                              sv1::AbcAnalysis* response) override {
    Record(*context);
    {
      // With a rendezvous, each analysis call waits (bounded) until that
      // many are in flight at once.
      absl::MutexLock lock(&mu_);
      ++abc_in_flight_;
      most_abc_in_flight_ = std::max(most_abc_in_flight_, abc_in_flight_);
      // Once reached, for good: the first may only wake after the last left.
      auto all_in = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return most_abc_in_flight_ >= abc_rendezvous_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&all_in), absl::Seconds(5));
    }
    sv1::AbcEntry* entry = response->add_entries();
    entry->set_account(kAccount);
    entry->set_abc_class(sv1::A);
    absl::MutexLock lock(&mu_);
    --abc_in_flight_;
    return grpc::Status::OK;
  }

  void set_abc_rendezvous(int calls) {
    absl::MutexLock lock(&mu_);
    abc_rendezvous_ = calls;
  }
  int most_abc_in_flight() {
    absl::MutexLock lock(&mu_);
    return most_abc_in_flight_;
  }

  std::vector<absl::Time> deadlines() {
    absl::MutexLock lock(&mu_);
    return deadlines_;
  }

 private:
  void Record(const grpc::ServerContext& context) {
    absl::MutexLock lock(&mu_);
    deadlines_.push_back(DeadlineOf(context));
  }

  absl::Mutex mu_;
  std::vector<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  int abc_rendezvous_ ABSL_GUARDED_BY(mu_) = 0;
  int abc_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int most_abc_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

class ScoreClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&scoring_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<ScoringScoreSource> Source(absl::Duration own_deadline) {
    return std::make_unique<ScoringScoreSource>(channel_, "", own_deadline);
  }

  FakeScoring scoring_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ScoreClientTest, CallsCarryTheCallersDeadlineWhenItIsSooner) {
  auto source = Source(absl::Hours(1));
  const absl::Time caller = absl::Now() + absl::Seconds(20);
  v1::SituationSnapshot snapshot;
  source->Fill(kAccount, caller, &snapshot);
  EXPECT_EQ(snapshot.score(), 71.5);
  EXPECT_EQ(snapshot.abc_class(), sv1::A);
  const std::vector<absl::Time> seen = scoring_.deadlines();
  ASSERT_EQ(seen.size(), 2u) << "GetScore and GetAbcAnalysis";
  for (absl::Time deadline : seen) {
    // gRPC sends the time left, which the server adds to its own clock: the
    // same clock here, so the two agree up to the transit time.
    EXPECT_LE(deadline, caller + absl::Seconds(1))
        << "the caller's deadline, not the source's hour";
    EXPECT_GT(deadline, caller - absl::Seconds(10));
  }
}

TEST_F(ScoreClientTest, CallsCarryTheirOwnDeadlineWhenTheCallerHasNone) {
  auto source = Source(absl::Seconds(30));
  const absl::Time before = absl::Now();
  v1::SituationSnapshot snapshot;
  source->Fill(kAccount, absl::InfiniteFuture(), &snapshot);
  const std::vector<absl::Time> seen = scoring_.deadlines();
  ASSERT_EQ(seen.size(), 2u);
  for (absl::Time deadline : seen) {
    EXPECT_GT(deadline, before + absl::Seconds(20));
    EXPECT_LE(deadline, absl::Now() + absl::Seconds(31));
  }
}

// The caller has given up already: scoring is not asked, and the snapshot
// says nothing rather than waiting.
TEST_F(ScoreClientTest, NoCallIsMadeWhenTheCallersDeadlineHasPassed) {
  auto source = Source(absl::Seconds(2));
  v1::SituationSnapshot snapshot;
  source->Fill(kAccount, absl::Now() - absl::Seconds(1), &snapshot);
  EXPECT_TRUE(scoring_.deadlines().empty());
  EXPECT_FALSE(snapshot.has_score());
  EXPECT_EQ(snapshot.abc_class(), sv1::ABC_CLASS_UNSPECIFIED);
}

// The deadline is the one Fill is given, not a per-thread value left by a
// handler: a stale one on this thread does not stop the calls.
TEST_F(ScoreClientTest, OnlyTheGivenDeadlineCounts) {
  auto source = Source(absl::Seconds(30));
  v1::SituationSnapshot snapshot;
  {
    ScopedCallDeadline stale(absl::Now() - absl::Seconds(1));
    source->Fill(kAccount, absl::InfiniteFuture(), &snapshot);
  }
  EXPECT_EQ(scoring_.deadlines().size(), 2u);
  EXPECT_EQ(snapshot.score(), 71.5);
}

// Two snapshots that both miss the cache ask scoring side by side: the
// cache's lock is not held across the call, so plan creations do not queue
// behind one slow analysis.
TEST_F(ScoreClientTest, CallsForDifferentSnapshotsRunSideBySide) {
  auto source = Source(absl::Seconds(30));
  scoring_.set_abc_rendezvous(2);
  v1::SituationSnapshot first, second;
  std::thread other(
      [&] { source->Fill(kAccount, absl::InfiniteFuture(), &first); });
  source->Fill(kAccount, absl::InfiniteFuture(), &second);
  other.join();
  EXPECT_EQ(scoring_.most_abc_in_flight(), 2);
  EXPECT_EQ(first.abc_class(), sv1::A);
  EXPECT_EQ(second.abc_class(), sv1::A);
}

}  // namespace
}  // namespace kam::planning
