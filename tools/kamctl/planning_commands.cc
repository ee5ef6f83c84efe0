// kamctl plans ...: key account plans in three horizons, their objectives,
// strategy, actions, reviews, customer agreement, revisions and the Markdown
// export. They talk to the planning service (--planning_addr).

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/planning_records.h"
#include "tools/kamctl/planning_views.h"

namespace kam::kamctl {
namespace {

// The documented default deadline of the calls that scan every plan; each
// waits at least this long even when --timeout is shorter.
constexpr absl::Duration kScanDeadline = absl::Seconds(10);
constexpr int64_t kMaxListed = 1000;  // ListOverdueActions, due-for-review
constexpr int32_t kMaxWithinDays = 3650;
constexpr char kAllAccounts[] = "accounts/-";

// PlanArg reads the PLAN argument, "ACCOUNT_ID/PLAN_ID" or the full name.
absl::StatusOr<std::string> PlanArg(const std::string& arg) {
  auto name = PlanNameFromArg(arg);
  if (!name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("PLAN ", name.status().message()));
  }
  return name;
}

// ParentArg reads the optional ACCOUNT_ID of a command over many plans: the
// account's name, or all accounts ("accounts/-") without one.
absl::StatusOr<std::string> ParentArg(const Invocation& in) {
  if (in.args.empty()) return std::string(kAllAccounts);
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  return AccountName(in.args[0]);
}

// IsPlanFile says whether a positional argument names a plan file rather
// than an ID: it ends in .json or is a path.
bool IsPlanFile(const std::string& arg) {
  return absl::EndsWith(arg, ".json") || absl::StrContains(arg, '/');
}

// ReadPlanFile reads an account plan from a proto3 JSON file without its
// output-only fields, printing why when it cannot.
std::optional<pv1::AccountPlan> ReadPlanFile(const std::string& path) {
  std::optional<pv1::AccountPlan> plan = ReadJsonFile(path, PlanFromJson);
  if (plan.has_value()) ClearOutputOnly(&*plan);
  return plan;
}

// The plan flags given on the command line; `horizon` only where the
// command takes it.
PlanFields PlanFieldsFromFlags(const Invocation& in) {
  PlanFields fields;
  auto text = [&](const char* flag, const absl::Flag<std::string>& value,
                  std::optional<std::string>* out) {
    if (in.Has(flag)) *out = absl::GetFlag(value);
  };
  text("horizon", FLAGS_horizon, &fields.horizon);
  text("title", FLAGS_title, &fields.title);
  text("summary", FLAGS_summary, &fields.summary);
  text("start", FLAGS_start, &fields.start);
  text("end", FLAGS_end, &fields.end);
  text("parent_plan", FLAGS_parent_plan, &fields.parent_plan);
  text("participants", FLAGS_participants, &fields.participants);
  if (in.Has("review_interval_days")) {
    fields.review_interval_days = absl::GetFlag(FLAGS_review_interval_days);
  }
  return fields;
}

// AtFlag reads an optional --at into *mutable_out(), called only when --at
// is given, so that an absent --at leaves the time unset (the server's
// "now"). False (after printing a usage error) when it does not parse.
template <typename MutableFn>
bool AtFlag(const Invocation& in, MutableFn mutable_out) {
  if (!in.Has("at")) return true;
  auto at = ParseTime(absl::GetFlag(FLAGS_at));
  if (!at.ok()) {
    UsageError(FlagError("at", at.status()).message());
    return false;
  }
  *mutable_out() = ToTimestamp(*at);
  return true;
}

// HorizonFlag sets request->horizon from --horizon when it is given, so
// that an absent --horizon means every horizon. False (after printing a
// usage error) when it does not parse.
template <typename Request>
bool HorizonFlag(const Invocation& in, Request* request) {
  if (!in.Has("horizon")) return true;
  auto horizon = ParsePlanHorizon(absl::GetFlag(FLAGS_horizon));
  if (!horizon.ok()) {
    UsageError(FlagError("horizon", horizon.status()).message());
    return false;
  }
  request->set_horizon(*horizon);
  return true;
}

absl::StatusOr<int32_t> LimitFlag() {
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0 || limit > kMaxListed) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--limit: must be from 1 to %d (0: 100), got %d", kMaxListed, limit));
  }
  return static_cast<int32_t>(limit);
}

void PrintPlanChange(const char* verb, const pv1::AccountPlan& plan) {
  if (JsonOutput()) {
    PrintJson(plan);
  } else {
    std::cout << verb << " " << PlanLine(plan) << "\n";
  }
}

grpc::Status GetPlan(const std::string& name, pv1::AccountPlan* plan) {
  pv1::GetAccountPlanRequest request;
  request.set_name(name);
  grpc::ClientContext context;
  PrepareContext(&context);
  return NewPlanningStub()->GetAccountPlan(&context, request, plan);
}

// A plan-changing call that takes a name and an etag and returns the plan:
// activate, review-start.
template <typename Request, typename CallFn>
int ChangePlanStatus(const Invocation& in, const char* verb, CallFn call) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  Request request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  auto stub = NewPlanningStub();
  grpc::Status status = call(stub.get(), &context, request, &plan);
  if (!status.ok()) return RpcError(status);
  PrintPlanChange(verb, plan);
  return kExitOk;
}

// PrintFileExists says that an export would overwrite `path`, and how to
// export all the same.
void PrintFileExists(const std::string& path) {
  std::cerr << "kamctl: " << path
            << " exists; add --force to overwrite it, or --out=FILE to write "
               "elsewhere\n";
}

// WriteNewFile writes `content` to `path`, refusing an existing file unless
// `overwrite`. Prints why when it cannot.
bool WriteNewFile(const std::string& path, const std::string& content,
                  bool overwrite) {
  // "x": fail if the file exists, decided by the kernel (O_EXCL), so that
  // two exports cannot both think the name was free.
  std::FILE* file = std::fopen(path.c_str(), overwrite ? "wb" : "wbx");
  if (file == nullptr) {
    if (errno == EEXIST) {
      PrintFileExists(path);
    } else {
      std::cerr << "kamctl: cannot write " << path << ": "
                << std::strerror(errno) << "\n";
    }
    return false;
  }
  const size_t written = std::fwrite(content.data(), 1, content.size(), file);
  const int write_errno = errno;
  if (std::fclose(file) != 0 || written != content.size()) {
    std::cerr << "kamctl: cannot write " << path << ": "
              << std::strerror(written != content.size() ? write_errno : errno)
              << "\n";
    return false;
  }
  return true;
}

bool FileExists(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  std::fclose(file);
  return true;
}

}  // namespace

int RunPlansCreate(const Invocation& in) {
  std::string account_arg, file_arg;
  for (const std::string& arg : in.args) {
    std::string& slot = IsPlanFile(arg) ? file_arg : account_arg;
    if (!slot.empty()) {
      return UsageError(
          "plans create: give at most one ACCOUNT_ID and one FILE.json");
    }
    slot = arg;
  }
  if (!account_arg.empty()) {
    if (absl::Status s = CheckId(account_arg); !s.ok()) {
      return UsageError(absl::StrCat("ACCOUNT_ID ", s.message(),
                                     "; a plan file must end in .json"));
    }
  }
  const PlanFields fields = PlanFieldsFromFlags(in);
  if (file_arg.empty() && fields.empty()) {
    return UsageError(
        "plans create: nothing to create; give a plan file (FILE.json) "
        "and/or the plan's flags (--horizon, --title, --start, --end, ...)");
  }
  std::string plan_id = absl::GetFlag(FLAGS_id);
  if (in.Has("id")) {
    if (absl::Status s = CheckPlanId(plan_id); !s.ok()) {
      return UsageError(FlagError("id", s).message());
    }
  }

  pv1::AccountPlan plan;
  if (!file_arg.empty()) {
    std::optional<pv1::AccountPlan> from_file = ReadPlanFile(file_arg);
    if (!from_file.has_value()) return kExitFailure;
    plan = *std::move(from_file);
    if (!plan.name().empty()) {
      auto name = PlanNameFromArg(plan.name());
      if (!name.ok()) {
        std::cerr << "kamctl: " << file_arg << ": name "
                  << name.status().message() << "\n";
        return kExitFailure;
      }
      const std::string file_account = PlanAccountId(*name);
      if (!account_arg.empty() && account_arg != file_account) {
        std::cerr << "kamctl: " << file_arg << " is a plan of accounts/"
                  << file_account << ", not of accounts/" << account_arg
                  << "\n";
        return kExitFailure;
      }
      account_arg = file_account;
      if (!in.Has("id")) plan_id = IdOf(*name);
    }
  }
  if (account_arg.empty()) {
    return UsageError(
        "plans create: which account? Give ACCOUNT_ID, or a plan file whose "
        "name is accounts/ACCOUNT_ID/plans/PLAN_ID");
  }
  std::vector<std::string> paths;
  if (absl::Status s = ApplyPlanFields(fields, account_arg, &plan, &paths);
      !s.ok()) {
    return UsageError(s.message());
  }
  plan.clear_name();
  plan.clear_etag();

  pv1::CreateAccountPlanRequest request;
  request.set_parent(AccountName(account_arg));
  request.set_plan_id(plan_id);
  *request.mutable_plan() = std::move(plan);
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan created;
  grpc::Status status =
      NewPlanningStub()->CreateAccountPlan(&context, request, &created);
  if (!status.ok()) return RpcError(status);
  PrintPlanChange("created", created);
  return kExitOk;
}

int RunPlansGet(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  pv1::AccountPlan plan;
  grpc::Status status = GetPlan(*name, &plan);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(plan);
  } else {
    std::cout << PlanText(plan);
  }
  return kExitOk;
}

int RunPlansList(const Invocation& in) {
  pv1::ListAccountPlansRequest request;
  auto parent = ParentArg(in);
  if (!parent.ok()) return UsageError(parent.status().message());
  request.set_parent(*parent);
  if (!HorizonFlag(in, &request)) return kExitUsage;
  if (in.Has("status")) {
    auto status = ParsePlanStatus(absl::GetFlag(FLAGS_status));
    if (!status.ok()) {
      return UsageError(FlagError("status", status.status()).message());
    }
    request.set_status(*status);
  }
  return ListPages<pv1::ListAccountPlansResponse>(
      NewPlanningStub, request,
      [](pv1::Planning::Stub* stub, grpc::ClientContext* context,
         const pv1::ListAccountPlansRequest& r,
         pv1::ListAccountPlansResponse* page) {
        return stub->ListAccountPlans(context, r, page);
      },
      [](pv1::ListAccountPlansResponse* r) { return r->mutable_plans(); },
      [&request](const pv1::ListAccountPlansResponse& r) {
        if (r.plans().empty()) {
          std::cout << (request.parent() == kAllAccounts
                            ? "no plans"
                            : absl::StrCat(request.parent(), ": no plans"))
                    << "\n";
          return;
        }
        PlansTable(r.plans()).Print(std::cout);
      });
}

int RunPlansUpdate(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string account = PlanAccountId(*name);
  const PlanFields fields = PlanFieldsFromFlags(in);
  std::optional<google::protobuf::FieldMask> explicit_mask;
  if (in.Has("update_mask")) {
    auto mask = ParseUpdateMask(absl::GetFlag(FLAGS_update_mask));
    if (!mask.ok()) {
      return UsageError(FlagError("update_mask", mask.status()).message());
    }
    explicit_mask = *std::move(mask);
  }
  const bool with_file = in.args.size() > 1;
  if (!with_file && fields.empty() && !explicit_mask) {
    return UsageError(
        "plans update: nothing to change; give a plan file (FILE.json), the "
        "fields' flags (--title, --summary, --start, --end, --parent_plan, "
        "--participants, --review_interval_days) and/or --update_mask");
  }

  pv1::AccountPlan plan;
  std::vector<std::string> paths;
  if (with_file) {
    const std::string& path = in.args[1];
    std::optional<pv1::AccountPlan> from_file = ReadPlanFile(path);
    if (!from_file.has_value()) return kExitFailure;
    plan = *std::move(from_file);
    if (!plan.name().empty()) {
      auto file_name = PlanNameFromArg(plan.name());
      if (!file_name.ok() || *file_name != *name) {
        std::cerr << "kamctl: " << path << " is the plan "
                  << ShortPlanName(plan.name()) << ", not "
                  << ShortPlanName(*name) << "\n";
        return kExitFailure;
      }
    }
    paths = SetPathsOf(plan);
  }
  // A new start or end alone keeps the other end of the period.
  if (fields.start.has_value() != fields.end.has_value() &&
      !(plan.has_period_start() && plan.has_period_end())) {
    pv1::AccountPlan current;
    if (grpc::Status status = GetPlan(*name, &current); !status.ok()) {
      return RpcError(status);
    }
    if (!plan.has_period_start()) {
      *plan.mutable_period_start() = current.period_start();
    }
    if (!plan.has_period_end()) {
      *plan.mutable_period_end() = current.period_end();
    }
  }
  if (absl::Status s = ApplyPlanFields(fields, account, &plan, &paths);
      !s.ok()) {
    return UsageError(s.message());
  }

  pv1::UpdateAccountPlanRequest request;
  *request.mutable_plan() = std::move(plan);
  request.mutable_plan()->set_name(*name);
  if (in.Has("etag"))
    request.mutable_plan()->set_etag(absl::GetFlag(FLAGS_etag));
  if (explicit_mask) {
    *request.mutable_update_mask() = *std::move(explicit_mask);
  } else {
    if (paths.empty()) {
      std::cerr << "kamctl: " << in.args[1]
                << " sets none of the fields an update changes ("
                << absl::StrJoin(PlanUpdatePaths(), ", ")
                << "); to clear fields, name them in --update_mask\n";
      return kExitFailure;
    }
    for (std::string& path : paths) {
      request.mutable_update_mask()->add_paths(std::move(path));
    }
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan updated;
  grpc::Status status =
      NewPlanningStub()->UpdateAccountPlan(&context, request, &updated);
  if (!status.ok()) return RpcError(status);
  PrintPlanChange("updated", updated);
  return kExitOk;
}

int RunPlansActivate(const Invocation& in) {
  return ChangePlanStatus<pv1::ActivateAccountPlanRequest>(
      in, "activated",
      [](pv1::Planning::Stub* stub, grpc::ClientContext* context,
         const pv1::ActivateAccountPlanRequest& r, pv1::AccountPlan* plan) {
        return stub->ActivateAccountPlan(context, r, plan);
      });
}

int RunPlansReviewStart(const Invocation& in) {
  return ChangePlanStatus<pv1::StartPlanReviewRequest>(
      in, "started the review of",
      [](pv1::Planning::Stub* stub, grpc::ClientContext* context,
         const pv1::StartPlanReviewRequest& r, pv1::AccountPlan* plan) {
        return stub->StartPlanReview(context, r, plan);
      });
}

int RunPlansReview(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string outcome = absl::GetFlag(FLAGS_outcome);
  if (outcome.empty()) {
    return UsageError(
        "plans review: --outcome is required: the review's conclusion");
  }
  pv1::RecordPlanReviewRequest request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  pv1::PlanReview* review = request.mutable_review();
  review->set_outcome(outcome);
  review->set_changes(absl::GetFlag(FLAGS_changes));
  for (std::string& reviewer : SplitList(absl::GetFlag(FLAGS_reviewers), ',')) {
    review->add_reviewers(std::move(reviewer));
  }
  if (!AtFlag(in, [review] { return review->mutable_review_time(); })) {
    return kExitUsage;
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  grpc::Status status =
      NewPlanningStub()->RecordPlanReview(&context, request, &plan);
  if (!status.ok()) return RpcError(status);
  PrintPlanChange("reviewed", plan);
  return kExitOk;
}

int RunPlansClose(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string reason = absl::GetFlag(FLAGS_reason);
  if (reason.empty()) {
    return UsageError("plans close: --reason is required: why the plan ends");
  }
  pv1::CloseAccountPlanRequest request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  request.set_reason(reason);
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  grpc::Status status =
      NewPlanningStub()->CloseAccountPlan(&context, request, &plan);
  if (!status.ok()) return RpcError(status);
  PrintPlanChange("closed", plan);
  return kExitOk;
}

int RunPlansDelete(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  pv1::DeleteAccountPlanRequest request;
  request.set_name(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::DeleteAccountPlanResponse response;
  grpc::Status status =
      NewPlanningStub()->DeleteAccountPlan(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << "deleted " << *name << " and its revisions\n";
  }
  return kExitOk;
}

int RunPlansProgress(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string& objective_id = in.args[1];
  if (absl::Status s = CheckPlanId(objective_id); !s.ok()) {
    return UsageError(absl::StrCat("OBJECTIVE_ID ", s.message()));
  }
  pv1::RecordObjectiveProgressRequest request;
  request.set_plan(*name);
  request.set_objective_id(objective_id);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  request.mutable_progress()->set_note(absl::GetFlag(FLAGS_note));
  pv1::ProgressUpdate* progress = request.mutable_progress();
  if (!AtFlag(in, [progress] { return progress->mutable_measure_time(); })) {
    return kExitUsage;
  }

  // How VALUE reads depends on the objective's metric (an amount of money,
  // a percent, ...): ask the plan first.
  pv1::AccountPlan current;
  if (grpc::Status status = GetPlan(*name, &current); !status.ok()) {
    return RpcError(status);
  }
  const pv1::Objective* objective = FindObjective(current, objective_id);
  if (objective == nullptr) {
    std::vector<std::string> ids;
    for (const pv1::Objective& o : current.objectives()) ids.push_back(o.id());
    std::cerr << "kamctl: " << ShortPlanName(*name) << " has no objective \""
              << objective_id << "\" (its objectives: "
              << (ids.empty() ? "none" : absl::StrJoin(ids, ", ")) << ")\n";
    return kExitFailure;
  }
  auto value = ParseProgressValue(objective->metric(), in.args[2]);
  if (!value.ok()) {
    return UsageError(absl::StrCat("VALUE (", objective_id, " measures ",
                                   ObjectiveMetricName(objective->metric()),
                                   "): ", value.status().message()));
  }
  request.mutable_progress()->set_value(*value);

  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  grpc::Status status =
      NewPlanningStub()->RecordObjectiveProgress(&context, request, &plan);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(plan);
    return kExitOk;
  }
  std::cout << "recorded " << PlanLine(plan) << "\n";
  if (const pv1::Objective* o = FindObjective(plan, objective_id)) {
    std::cout << "  " << ObjectiveLine(*o) << "\n";
  }
  return kExitOk;
}

int RunPlansAction(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const std::string& action_id = in.args[1];
  if (absl::Status s = CheckPlanId(action_id); !s.ok()) {
    return UsageError(absl::StrCat("ACTION_ID ", s.message()));
  }
  pv1::UpdatePlanActionRequest request;
  request.set_plan(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  pv1::Action* action = request.mutable_action();
  action->set_id(action_id);
  google::protobuf::FieldMask* mask = request.mutable_update_mask();
  if (in.Has("title")) {
    action->set_title(absl::GetFlag(FLAGS_title));
    mask->add_paths("title");
  }
  if (in.Has("owner")) {
    action->set_owner(absl::GetFlag(FLAGS_owner));
    mask->add_paths("owner");
  }
  if (in.Has("due")) {
    auto due = ParseTime(absl::GetFlag(FLAGS_due));
    if (!due.ok()) return UsageError(FlagError("due", due.status()).message());
    *action->mutable_due_time() = ToTimestamp(*due);
    mask->add_paths("due_time");
  }
  if (in.Has("status")) {
    auto status = ParseActionStatus(absl::GetFlag(FLAGS_status));
    if (!status.ok()) {
      return UsageError(FlagError("status", status.status()).message());
    }
    action->set_status(*status);
    mask->add_paths("status");
  }
  if (in.Has("objective")) {
    const std::string objective = absl::GetFlag(FLAGS_objective);
    if (absl::Status s = CheckPlanId(objective); !s.ok()) {
      return UsageError(FlagError("objective", s).message());
    }
    action->set_objective(objective);
    mask->add_paths("objective");
  }
  if (in.Has("note")) {
    action->set_note(absl::GetFlag(FLAGS_note));
    mask->add_paths("note");
  }
  if (mask->paths().empty()) {
    return UsageError(
        "plans action: nothing to change; give --status, --title, --owner, "
        "--due, --objective and/or --note");
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  grpc::Status status =
      NewPlanningStub()->UpdatePlanAction(&context, request, &plan);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(plan);
    return kExitOk;
  }
  std::cout << "updated " << PlanLine(plan) << "\n";
  for (const pv1::Action& a : plan.actions()) {
    if (a.id() == action_id) std::cout << "  " << ActionLine(a) << "\n";
  }
  return kExitOk;
}

int RunPlansAgree(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  auto contact = ContactNameFromArg(PlanAccountId(*name), in.args[1]);
  if (!contact.ok()) {
    return UsageError(absl::StrCat("CONTACT_ID ", contact.status().message()));
  }
  pv1::RecordCustomerAgreementRequest request;
  request.set_plan(*name);
  request.set_etag(absl::GetFlag(FLAGS_etag));
  pv1::CustomerAgreement* agreement = request.mutable_agreement();
  agreement->set_contact(*contact);
  agreement->set_note(absl::GetFlag(FLAGS_note));
  if (!AtFlag(in, [agreement] { return agreement->mutable_agree_time(); })) {
    return kExitUsage;
  }
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::AccountPlan plan;
  grpc::Status status =
      NewPlanningStub()->RecordCustomerAgreement(&context, request, &plan);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(plan);
    return kExitOk;
  }
  const pv1::CustomerAgreement& agreed = plan.customer_agreement();
  std::cout << "agreed " << PlanLine(plan) << "\n  by "
            << IdOf(agreed.contact())
            << (agreed.display_name().empty()
                    ? ""
                    : absl::StrCat(" (", agreed.display_name(), ")"))
            << " on " << DateOf(agreed.agree_time()) << ", to revision "
            << agreed.revision() << "\n";
  return kExitOk;
}

int RunPlansRevisions(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  pv1::ListPlanRevisionsRequest request;
  request.set_plan(*name);
  // The list is a history; `plans revision PLAN N` shows one copy whole.
  request.set_omit_plans(true);
  return ListPages<pv1::ListPlanRevisionsResponse>(
      NewPlanningStub, request,
      [](pv1::Planning::Stub* stub, grpc::ClientContext* context,
         const pv1::ListPlanRevisionsRequest& r,
         pv1::ListPlanRevisionsResponse* page) {
        return stub->ListPlanRevisions(context, r, page);
      },
      [](pv1::ListPlanRevisionsResponse* r) { return r->mutable_revisions(); },
      [](const pv1::ListPlanRevisionsResponse& r) {
        RevisionsTable(r.revisions()).Print(std::cout);
      });
}

int RunPlansRevision(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  auto revision = ParseRevisionNumber(in.args[1]);
  if (!revision.ok()) {
    return UsageError(absl::StrCat("N ", revision.status().message()));
  }
  pv1::GetPlanRevisionRequest request;
  request.set_name(PlanRevisionName(*name, *revision));
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::PlanRevision result;
  grpc::Status status =
      NewPlanningStub()->GetPlanRevision(&context, request, &result);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(result);
  } else {
    std::cout << RevisionText(result);
  }
  return kExitOk;
}

int RunPlansOverdueActions(const Invocation& in) {
  pv1::ListOverdueActionsRequest request;
  auto parent = ParentArg(in);
  if (!parent.ok()) return UsageError(parent.status().message());
  request.set_parent(*parent);
  auto limit = LimitFlag();
  if (!limit.ok()) return UsageError(limit.status().message());
  request.set_limit(*limit);
  grpc::ClientContext context;
  PrepareSlowContext(&context, kScanDeadline);
  pv1::ListOverdueActionsResponse response;
  grpc::Status status =
      NewPlanningStub()->ListOverdueActions(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << OverdueActionsText(response);
  }
  return kExitOk;
}

int RunPlansDueForReview(const Invocation&) {
  pv1::ListPlansDueForReviewRequest request;
  const int32_t within = absl::GetFlag(FLAGS_within_days);
  if (within < 0 || within > kMaxWithinDays) {
    return UsageError(absl::StrFormat(
        "--within_days: must be from 0 to %d, got %d", kMaxWithinDays, within));
  }
  request.set_within_days(within);
  auto limit = LimitFlag();
  if (!limit.ok()) return UsageError(limit.status().message());
  request.set_limit(*limit);
  grpc::ClientContext context;
  PrepareSlowContext(&context, kScanDeadline);
  pv1::ListPlansDueForReviewResponse response;
  grpc::Status status =
      NewPlanningStub()->ListPlansDueForReview(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << DueForReviewText(response);
  }
  return kExitOk;
}

int RunPlansCoverage(const Invocation& in) {
  pv1::GetPlanCoverageRequest request;
  if (!HorizonFlag(in, &request)) return kExitUsage;
  grpc::ClientContext context;
  PrepareSlowContext(&context, kScanDeadline);
  pv1::PlanCoverage coverage;
  grpc::Status status =
      NewPlanningStub()->GetPlanCoverage(&context, request, &coverage);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(coverage);
  } else {
    std::cout << CoverageText(coverage);
  }
  return kExitOk;
}

int RunPlansExport(const Invocation& in) {
  auto name = PlanArg(in.args[0]);
  if (!name.ok()) return UsageError(name.status().message());
  const int64_t revision = absl::GetFlag(FLAGS_revision);
  if (revision < 0) {
    return UsageError(
        "--revision: must be a revision number (0: the current plan)");
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (in.Has("out") && out.empty()) {
    return UsageError("--out: must name a file, or - for stdout");
  }
  const bool force = absl::GetFlag(FLAGS_force);
  // Refuse before asking the server when the file is known to exist; the
  // write itself checks again.
  if (!out.empty() && out != "-" && !force && FileExists(out)) {
    PrintFileExists(out);
    return kExitFailure;
  }

  pv1::ExportAccountPlanRequest request;
  request.set_name(*name);
  request.set_revision(revision);
  grpc::ClientContext context;
  PrepareContext(&context);
  pv1::ExportAccountPlanResponse response;
  grpc::Status status =
      NewPlanningStub()->ExportAccountPlan(&context, request, &response);
  if (!status.ok()) return RpcError(status);

  if (out == "-") {
    std::cout << response.markdown();
    if (!response.markdown().empty() && response.markdown().back() != '\n') {
      std::cout << "\n";
    }
    return kExitOk;
  }
  const std::string path =
      out.empty() ? ExportFileName(response.file_name(), *name) : out;
  if (!WriteNewFile(path, response.markdown(), force)) return kExitFailure;
  const std::string what =
      revision == 0
          ? ShortPlanName(*name)
          : absl::StrCat(ShortPlanName(*name), " at revision ", revision);
  if (JsonOutput()) {
    std::cout << absl::StrFormat(
        "{\n  \"plan\": %s,\n  \"revision\": \"%d\",\n  \"file\": %s,\n  "
        "\"bytes\": %d\n}\n",
        JsonString(*name), revision, JsonString(path),
        response.markdown().size());
  } else {
    std::cout << "wrote " << path << " (" << response.markdown().size()
              << " bytes): " << what << "\n";
  }
  return kExitOk;
}

}  // namespace kam::kamctl
