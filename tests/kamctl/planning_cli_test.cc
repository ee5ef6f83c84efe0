// Runs `kamctl plans ...` the way a user does and checks what they see: exit
// status, messages, files written. Usage mistakes and unreachable servers need
// no server (calls go to a closed port); what kamctl sends, and what it does
// with the answer, is checked against a stand-in Planning server in this
// process that records each request and answers from canned plans.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kam/planning/v1/planning.grpc.pb.h"
#include "tests/kamctl/cli_harness.h"
#include "tests/kamctl/test_util.h"
#include "tests/support/temp_dir.h"

namespace kam::kamctl {
namespace {

namespace pv1 = ::kam::planning::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kClosedPlanningPort[] = "--planning_addr=127.0.0.1:1";

// The plan the stand-in server answers with: a revenue objective (money),
// an NPS objective, one action.
pv1::AccountPlan StoredPlan() {
  return ParseTextProto<pv1::AccountPlan>(R"pb(
    name: "accounts/acme/plans/ops-2027"
    horizon: OPERATIONAL
    title: "Acme 2026/27"
    status: ACTIVE
    period_start { seconds: 1782864000 }  # 2026-07-01
    period_end { seconds: 1814400000 }    # 2027-07-01
    objectives {
      id: "revenue"
      statement: "Grow revenue"
      metric: REVENUE
      unit: "EUR"
      baseline: 100000000
      target: 150000000
      due_time { seconds: 1814313600 }
    }
    objectives {
      id: "nps"
      statement: "Lift NPS"
      metric: NPS
      baseline: 0
      target: 30
      due_time { seconds: 1814313600 }
    }
    actions {
      id: "a1"
      title: "Kick-off"
      owner: "anna"
      due_time { seconds: 1790726400 }
      status: OPEN
      objective: "revenue"
    }
    revision: 4
    etag: "e4"
  )pb");
}

// FakePlanning answers from StoredPlan() and keeps the last request of each
// kind, and whether every call came with a deadline.
class FakePlanning final : public pv1::Planning::Service {
 public:
  grpc::Status CreateAccountPlan(grpc::ServerContext* context,
                                 const pv1::CreateAccountPlanRequest* request,
                                 pv1::AccountPlan* plan) override {
    Note(context);
    absl::MutexLock lock(&mu_);
    create_ = *request;
    *plan = request->plan();
    plan->set_name(request->parent() + "/plans/" + request->plan_id());
    plan->set_status(pv1::DRAFT);
    plan->set_revision(1);
    return grpc::Status::OK;
  }
  grpc::Status GetAccountPlan(grpc::ServerContext* context,
                              const pv1::GetAccountPlanRequest* request,
                              pv1::AccountPlan* plan) override {
    Note(context);
    if (request->name() != "accounts/acme/plans/ops-2027") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          request->name() + " not found");
    }
    *plan = StoredPlan();
    return grpc::Status::OK;
  }
  grpc::Status UpdateAccountPlan(grpc::ServerContext* context,
                                 const pv1::UpdateAccountPlanRequest* request,
                                 pv1::AccountPlan* plan) override {
    return Keep(context, *request, &update_, plan);
  }
  grpc::Status RecordObjectiveProgress(
      grpc::ServerContext* context,
      const pv1::RecordObjectiveProgressRequest* request,
      pv1::AccountPlan* plan) override {
    return Keep(context, *request, &progress_, plan);
  }
  grpc::Status UpdatePlanAction(grpc::ServerContext* context,
                                const pv1::UpdatePlanActionRequest* request,
                                pv1::AccountPlan* plan) override {
    grpc::Status status = Keep(context, *request, &action_, plan);
    plan->mutable_actions(0)->set_status(pv1::DONE);
    return status;
  }
  grpc::Status ActivateAccountPlan(
      grpc::ServerContext* context,
      const pv1::ActivateAccountPlanRequest* request,
      pv1::AccountPlan* plan) override {
    Note(context);
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        request->name() +
                            " cannot be activated: accounts/acme/plans/old "
                            "is in force for the operational horizon");
  }
  grpc::Status ExportAccountPlan(
      grpc::ServerContext* context,
      const pv1::ExportAccountPlanRequest* request,
      pv1::ExportAccountPlanResponse* response) override {
    Note(context);
    response->set_markdown("# Acme 2026/27\n\nrevision " +
                           std::to_string(request->revision()) + "\n");
    // A server may suggest anything; kamctl writes only in the current
    // directory.
    response->set_file_name("../acme-ops-2027.md");
    return grpc::Status::OK;
  }

  bool all_had_deadlines() {
    absl::MutexLock lock(&mu_);
    return calls_ > 0 && all_had_deadlines_;
  }
  pv1::CreateAccountPlanRequest create() {
    absl::MutexLock lock(&mu_);
    return create_;
  }
  pv1::UpdateAccountPlanRequest update() {
    absl::MutexLock lock(&mu_);
    return update_;
  }
  pv1::RecordObjectiveProgressRequest progress() {
    absl::MutexLock lock(&mu_);
    return progress_;
  }
  pv1::UpdatePlanActionRequest action() {
    absl::MutexLock lock(&mu_);
    return action_;
  }

 private:
  // Keep notes the call, keeps its request in *kept and answers with
  // StoredPlan().
  template <typename Request>
  grpc::Status Keep(grpc::ServerContext* context, const Request& request,
                    Request* kept, pv1::AccountPlan* plan) {
    Note(context);
    absl::MutexLock lock(&mu_);
    *kept = request;
    *plan = StoredPlan();
    return grpc::Status::OK;
  }
  void Note(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    // A call without a deadline arrives with the far future as its deadline.
    const auto limit = std::chrono::system_clock::now() + std::chrono::hours(1);
    if (context->deadline() > limit) all_had_deadlines_ = false;
  }

  absl::Mutex mu_;
  int calls_ = 0;
  bool all_had_deadlines_ = true;
  pv1::CreateAccountPlanRequest create_;
  pv1::UpdateAccountPlanRequest update_;
  pv1::RecordObjectiveProgressRequest progress_;
  pv1::UpdatePlanActionRequest action_;
};

class PlanningCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    addr_ = "--planning_addr=127.0.0.1:" + std::to_string(port) + " ";
  }
  void TearDown() override { server_->Shutdown(); }

  KamctlRun Run(const std::string& args,
                const std::string& dir = ScratchDir()) {
    return Kamctl(addr_ + args, "", dir);
  }

  FakePlanning service_;
  std::unique_ptr<grpc::Server> server_;
  std::string addr_;
};

TEST(KamctlPlansHelpTest, ListsEveryPlansSubcommandAndTheAddress) {
  KamctlRun run = Kamctl("help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"plans create ", "plans get ", "plans list ", "plans update ",
        "plans activate ", "plans review-start ", "plans review ",
        "plans close ", "plans delete ", "plans progress ", "plans action ",
        "plans agree ", "plans revisions ", "plans revision ",
        "plans overdue-actions ", "plans due-for-review ", "plans coverage ",
        "plans export "}) {
    EXPECT_THAT(run.out, HasSubstr("\n  " + std::string(command))) << command;
  }
  EXPECT_THAT(run.out, HasSubstr("KAM_PLANNING_ADDR"));
  EXPECT_THAT(run.out, HasSubstr("127.0.0.1:50064"));
  EXPECT_THAT(run.out, HasSubstr("HORIZON strategic|tactical|operational"));
}

// Each case is a usage error found before any call: exit 2 and the message.
struct UsageCase {
  const char* args;
  const char* error;
};

TEST(KamctlPlansUsageTest, MistakesAreUsageErrors) {
  for (const UsageCase& c : {
           UsageCase{"plans", "'plans' needs one of: create, get, list"},
           UsageCase{"plans get", "usage: kamctl plans get PLAN\n"},
           UsageCase{"plans get vestwind",
                     "PLAN must be ACCOUNT_ID/PLAN_ID like "
                     "vestwind/operational-2027"},
           UsageCase{"plans create", "usage: kamctl plans create "},
           UsageCase{"plans create acme",
                     "plans create: nothing to create; give a plan file"},
           UsageCase{"plans create Acme --title=x",
                     "ACCOUNT_ID must be 1-63 characters"},
           UsageCase{"plans create acme --horizon=yearly",
                     "--horizon: must be one of strategic, tactical, "
                     "operational, got \"yearly\""},
           UsageCase{"plans create acme --title=x --start=July",
                     "--start: must be an RFC 3339 time"},
           UsageCase{"plans create acme --title=x --id=Ops_2027",
                     "--id: must be 1-63 characters of [a-z0-9-]"},
           UsageCase{"plans create acme --title=x --participants=a,a",
                     "--participants: contact \"a\" appears twice"},
           UsageCase{"plans create --title=x",
                     "usage: kamctl plans create [ACCOUNT_ID] [FILE.json]"},
           UsageCase{"plans create acme beta --title=x",
                     "give at most one ACCOUNT_ID and one FILE.json"},
           UsageCase{"plans update acme/ops",
                     "plans update: nothing to change"},
           UsageCase{"plans update acme/ops --update_mask=status",
                     "--update_mask: each path must be one of title"},
           UsageCase{"plans update acme/ops --horizon=tactical",
                     "--horizon does not apply to 'kamctl plans update'"},
           UsageCase{"plans list --status=open",
                     "--status: must be one of draft, active, under_review, "
                     "closed"},
           UsageCase{"plans list --horizon=weekly", "--horizon: must be one"},
           UsageCase{"plans review acme/ops",
                     "plans review: --outcome is required"},
           UsageCase{"plans review acme/ops --outcome=ok --at=yesterday",
                     "--at: must be an RFC 3339 time"},
           UsageCase{"plans close acme/ops",
                     "plans close: --reason is required"},
           UsageCase{"plans action acme/ops a1",
                     "plans action: nothing to change; give --status"},
           UsageCase{"plans action acme/ops a1 --status=finished",
                     "--status: must be one of open, in_progress, done, "
                     "cancelled"},
           UsageCase{"plans action acme/ops a1 --due=soon",
                     "--due: must be an RFC 3339 time"},
           UsageCase{"plans action acme/ops A1 --status=done",
                     "ACTION_ID must be 1-63 characters"},
           UsageCase{"plans progress acme/ops revenue",
                     "usage: kamctl plans progress PLAN OBJECTIVE_ID VALUE"},
           UsageCase{"plans agree acme/ops accounts/beta/contacts/jane",
                     "CONTACT_ID must be a contact of accounts/acme"},
           UsageCase{"plans revision acme/ops 0",
                     "N must be a revision number"},
           UsageCase{"plans overdue-actions --limit=5000",
                     "--limit: must be from 1 to 1000 (0: 100), got 5000"},
           UsageCase{"plans due-for-review --within_days=-1",
                     "--within_days: must be from 0 to 3650, got -1"},
           UsageCase{"plans coverage --horizon=yearly", "--horizon: must be"},
           UsageCase{"plans export acme/ops --revision=-1",
                     "--revision: must be a revision number"},
           UsageCase{"plans export acme/ops --out=", "--out: must name a file"},
           UsageCase{"plans get acme/ops --force",
                     "--force does not apply to 'kamctl plans get'"},
       }) {
    KamctlRun run = Kamctl(std::string(kClosedPlanningPort) + " " + c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.error)) << c.args;
    EXPECT_THAT(run.out, IsEmpty()) << c.args;
  }
}

TEST(KamctlPlansUsageTest, ServerErrorsPrintCodeAndExitOne) {
  for (const char* args :
       {"plans get acme/ops", "plans list", "plans list acme",
        "plans activate acme/ops", "plans coverage", "plans due-for-review",
        "plans overdue-actions", "plans revisions acme/ops",
        "plans export acme/ops --out=x.md", "plans progress acme/ops o1 5"}) {
    KamctlRun run =
        Kamctl(std::string(kClosedPlanningPort) + " --timeout=5s " + args);
    EXPECT_EQ(run.exit_code, 1) << args;
    EXPECT_THAT(run.err, StartsWith("kamctl: UNAVAILABLE: ")) << args;
    EXPECT_THAT(run.out, IsEmpty()) << args;
  }
  // The address also comes from the environment, and health can check it.
  KamctlRun from_env = Kamctl("health --target=planning --timeout=5s",
                              "KAM_PLANNING_ADDR=127.0.0.1:1");
  EXPECT_EQ(from_env.exit_code, 1);
  EXPECT_THAT(from_env.err, StartsWith("kamctl: UNAVAILABLE: "));
}

TEST(KamctlPlansUsageTest, PlanFilesAreCheckedBeforeAnythingIsSent) {
  const std::string typo =
      WriteTempFile("typo_plan.json", R"({"title": "x", "objectvies": []})");
  KamctlRun run =
      Kamctl(std::string(kClosedPlanningPort) + " plans create acme " + typo);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err,
              HasSubstr(typo + ": not an account plan in proto3 JSON"));
  EXPECT_THAT(run.err, Not(HasSubstr("UNAVAILABLE")));

  const std::string other = WriteTempFile(
      "other_plan.json", R"({"name": "accounts/beta/plans/p", "title": "x"})");
  KamctlRun mismatch =
      Kamctl(std::string(kClosedPlanningPort) + " plans create acme " + other);
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_THAT(mismatch.err,
              HasSubstr(other + " is a plan of accounts/beta, not of "
                                "accounts/acme"));
  KamctlRun update = Kamctl(std::string(kClosedPlanningPort) +
                            " plans update acme/p " + other);
  EXPECT_EQ(update.exit_code, 1);
  EXPECT_THAT(update.err, HasSubstr(other + " is the plan beta/p, not acme/p"));

  const std::string nameless =
      WriteTempFile("nameless_plan.json", R"({"title": "x"})");
  KamctlRun which =
      Kamctl(std::string(kClosedPlanningPort) + " plans create " + nameless);
  EXPECT_EQ(which.exit_code, 2);
  EXPECT_THAT(which.err, HasSubstr("plans create: which account? Give "
                                   "ACCOUNT_ID, or a plan file whose name is "
                                   "accounts/ACCOUNT_ID/plans/PLAN_ID"));

  KamctlRun missing = Kamctl(std::string(kClosedPlanningPort) +
                             " plans create no-such-plan.json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read no-such-plan.json"));
}

TEST_F(PlanningCliTest, CreateTakesAccountAndIdFromTheFileAndFlagsWin) {
  const std::string file = WriteTempFile("acme_plan.json", R"({
    "name": "accounts/acme/plans/ops-2027",
    "horizon": "OPERATIONAL",
    "title": "From the file",
    "status": "ACTIVE",
    "revision": "9",
    "etag": "old",
    "periodStart": "2026-07-01T00:00:00Z",
    "periodEnd": "2027-07-01T00:00:00Z"
  })");
  KamctlRun run =
      Run("plans create " + file + " --title='From the flag' --request_id=r1");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "created acme/ops-2027: operational, draft, revision 1\n");
  const pv1::CreateAccountPlanRequest sent = service_.create();
  EXPECT_EQ(sent.parent(), "accounts/acme");
  EXPECT_EQ(sent.plan_id(), "ops-2027");
  EXPECT_EQ(sent.request_id(), "r1");
  EXPECT_EQ(sent.plan().title(), "From the flag");
  // What the server sets is not sent back to it.
  EXPECT_EQ(sent.plan().name(), "");
  EXPECT_EQ(sent.plan().etag(), "");
  EXPECT_EQ(sent.plan().status(), pv1::PLAN_STATUS_UNSPECIFIED);
  EXPECT_EQ(sent.plan().revision(), 0);

  KamctlRun flags =
      Run("plans create beta --id=t1 --horizon=tactical --title=T "
          "--start=2026-07-01 --end=2028-01-01 --parent_plan=s1 "
          "--participants=jane:sponsor");
  EXPECT_EQ(flags.exit_code, 0) << flags.err;
  const pv1::CreateAccountPlanRequest from_flags = service_.create();
  EXPECT_EQ(from_flags.parent(), "accounts/beta");
  EXPECT_EQ(from_flags.plan_id(), "t1");
  EXPECT_EQ(from_flags.plan().horizon(), pv1::TACTICAL);
  EXPECT_EQ(from_flags.plan().parent_plan(), "accounts/beta/plans/s1");
  EXPECT_EQ(from_flags.plan().participants(0).contact(),
            "accounts/beta/contacts/jane");
  EXPECT_TRUE(service_.all_had_deadlines());
}

TEST_F(PlanningCliTest, UpdateSendsTheMaskOfWhatWasGiven) {
  KamctlRun run =
      Run("plans update acme/ops-2027 --title=New --start=2026-08-01 "
          "--etag=e4");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("updated acme/ops-2027: operational, "
                                  "active, revision 4"));
  pv1::UpdateAccountPlanRequest sent = service_.update();
  EXPECT_EQ(sent.plan().name(), "accounts/acme/plans/ops-2027");
  EXPECT_EQ(sent.plan().etag(), "e4");
  EXPECT_THAT(sent.update_mask().paths(), ElementsAre("title", "period"));
  EXPECT_EQ(sent.plan().title(), "New");
  // A new start alone keeps the end the plan has.
  EXPECT_EQ(sent.plan().period_end().seconds(), 1814400000);

  const std::string file = WriteTempFile("acme_update.json", R"({
    "name": "accounts/acme/plans/ops-2027",
    "etag": "from-file",
    "objectives": [{"id": "o1", "statement": "s"}],
    "strategy": {"price": {"text": "Hold list prices"}}
  })");
  KamctlRun from_file = Run("plans update acme/ops-2027 " + file);
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  sent = service_.update();
  EXPECT_THAT(sent.update_mask().paths(),
              ElementsAre("strategy", "objectives"));
  EXPECT_EQ(sent.plan().etag(), "from-file");

  KamctlRun clear =
      Run("plans update acme/ops-2027 --update_mask=participants,summary");
  EXPECT_EQ(clear.exit_code, 0) << clear.err;
  sent = service_.update();
  EXPECT_THAT(sent.update_mask().paths(),
              ElementsAre("participants", "summary"));
  EXPECT_THAT(sent.plan().participants(), IsEmpty());
}

TEST_F(PlanningCliTest, ProgressReadsTheValueInTheObjectivesMetric) {
  KamctlRun money =
      Run("plans progress acme/ops-2027 revenue 1250000.50 --at=2026-11-01 "
          "--note=Q3");
  EXPECT_EQ(money.exit_code, 0) << money.err;
  const pv1::RecordObjectiveProgressRequest sent = service_.progress();
  EXPECT_EQ(sent.plan(), "accounts/acme/plans/ops-2027");
  EXPECT_EQ(sent.objective_id(), "revenue");
  EXPECT_EQ(sent.progress().value(), 125000050);  // minor units
  EXPECT_EQ(sent.progress().measure_time().seconds(), 1793491200);
  EXPECT_EQ(sent.progress().note(), "Q3");
  EXPECT_THAT(money.out, HasSubstr("recorded acme/ops-2027: "));
  EXPECT_THAT(money.out, HasSubstr("  revenue: not measured yet (target "
                                   "1,500,000.00 EUR)"));

  KamctlRun negative = Run("plans progress acme/ops-2027 nps -- -12");
  EXPECT_EQ(negative.exit_code, 0) << negative.err;
  EXPECT_EQ(service_.progress().progress().value(), -12);
  // Without --at the server measures "now": no time is sent.
  EXPECT_FALSE(service_.progress().progress().has_measure_time());

  KamctlRun wrong = Run("plans progress acme/ops-2027 nps 150");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("VALUE (nps measures nps): an NPS must be "
                                   "a whole number from -100 to 100"));
  KamctlRun unknown = Run("plans progress acme/ops-2027 margin 5");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("acme/ops-2027 has no objective "
                                     "\"margin\" (its objectives: revenue, "
                                     "nps)"));
  KamctlRun missing = Run("plans progress acme/none revenue 5");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "kamctl: NOT_FOUND: accounts/acme/plans/none not found\n");
}

TEST_F(PlanningCliTest, ActionChangesOnlyTheFieldsGiven) {
  KamctlRun run = Run("plans action acme/ops-2027 a1 --status=done");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const pv1::UpdatePlanActionRequest sent = service_.action();
  EXPECT_EQ(sent.action().id(), "a1");
  EXPECT_EQ(sent.action().status(), pv1::DONE);
  EXPECT_THAT(sent.update_mask().paths(), ElementsAre("status"));
  EXPECT_THAT(run.out, HasSubstr("  a1: done, owner anna, due 2026-09-30: "
                                 "Kick-off\n"));
}

TEST_F(PlanningCliTest, RefusalsPrintTheServersCodeAndMessage) {
  KamctlRun run = Run("plans activate acme/ops-2027");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "kamctl: FAILED_PRECONDITION: accounts/acme/plans/ops-2027 cannot "
            "be activated: accounts/acme/plans/old is in force for the "
            "operational horizon\n");
  EXPECT_THAT(run.out, IsEmpty());
}

TEST_F(PlanningCliTest, ExportWritesTheFileAndNeverOverwritesWithoutForce) {
  kam::test_support::TempDir dir;
  KamctlRun first = Run("plans export acme/ops-2027", dir.path());
  EXPECT_EQ(first.exit_code, 0) << first.err;
  // The server's suggestion, in the current directory only.
  EXPECT_EQ(first.out, "wrote acme-ops-2027.md (27 bytes): acme/ops-2027\n");
  EXPECT_EQ(Slurp(dir.Sub("acme-ops-2027.md")),
            "# Acme 2026/27\n\nrevision 0\n");

  std::ofstream(dir.Sub("acme-ops-2027.md")) << "my edits\n";
  KamctlRun again = Run("plans export acme/ops-2027 --revision=2", dir.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("acme-ops-2027.md exists; add --force to "
                                   "overwrite it"));
  EXPECT_EQ(Slurp(dir.Sub("acme-ops-2027.md")), "my edits\n");

  // --out is checked before the server is asked.
  KamctlRun out =
      Kamctl(std::string(kClosedPlanningPort) +
                 " plans export acme/ops-2027 --out=acme-ops-2027.md",
             "", dir.path());
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.err, HasSubstr("exists; add --force"));
  EXPECT_THAT(out.err, Not(HasSubstr("UNAVAILABLE")));

  KamctlRun forced =
      Run("plans export acme/ops-2027 --revision=2 --force", dir.path());
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out,
            "wrote acme-ops-2027.md (27 bytes): acme/ops-2027 at revision 2\n");
  EXPECT_EQ(Slurp(dir.Sub("acme-ops-2027.md")),
            "# Acme 2026/27\n\nrevision 2\n");

  KamctlRun named = Run("plans export acme/ops-2027 --out=plan.md", dir.path());
  EXPECT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(Slurp(dir.Sub("plan.md")), "# Acme 2026/27\n\nrevision 0\n");

  KamctlRun stdout_run = Run("plans export acme/ops-2027 --out=-", dir.path());
  EXPECT_EQ(stdout_run.exit_code, 0);
  EXPECT_EQ(stdout_run.out, "# Acme 2026/27\n\nrevision 0\n");

  KamctlRun json =
      Run("-o json plans export acme/ops-2027 --out=j.md", dir.path());
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.out, HasSubstr("\"file\": \"j.md\""));
  EXPECT_THAT(json.out, HasSubstr("\"bytes\": 27"));
  EXPECT_TRUE(service_.all_had_deadlines());
}

}  // namespace
}  // namespace kam::kamctl
