// kamctl cadence list|set, overdue, coverage, stage get|set and summary: how
// an account is engaged against its tier's targets. They talk to the
// engagement service (--engagement_addr).

#include <cstdint>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/engagement_views.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {
namespace {

absl::Status CheckAccountArg(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  return absl::OkStatus();
}

grpc::Status ListPolicies(ev1::ListCadencePoliciesResponse* response) {
  grpc::ClientContext context;
  PrepareContext(&context);
  return NewEngagementStub()->ListCadencePolicies(
      &context, ev1::ListCadencePoliciesRequest(), response);
}

}  // namespace

int RunCadenceList(const Invocation&) {
  ev1::ListCadencePoliciesResponse response;
  if (grpc::Status status = ListPolicies(&response); !status.ok()) {
    return RpcError(status);
  }
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    CadenceTable(response.policies()).Print(std::cout);
  }
  return kExitOk;
}

int RunCadenceSet(const Invocation& in) {
  auto tier = ParseTier(in.args[0]);
  if (!tier.ok()) {
    return UsageError(absl::StrCat("TIER ", tier.status().message()));
  }
  struct Target {
    const char* flag;
    int32_t value;
  };
  const Target targets[] = {
      {"visit_days", absl::GetFlag(FLAGS_visit_days)},
      {"executive_days", absl::GetFlag(FLAGS_executive_days)},
      {"review_days", absl::GetFlag(FLAGS_review_days)}};
  int given = 0;
  for (const Target& target : targets) {
    if (!in.Has(target.flag)) continue;
    ++given;
    if (target.value < 0) {
      return UsageError(absl::StrCat(
          "--", target.flag, ": must not be negative (0 means no target)"));
    }
  }
  if (given == 0) {
    return UsageError(
        "cadence set: nothing to change; give --visit_days, --executive_days "
        "and/or --review_days");
  }

  // SetCadencePolicy replaces the whole policy: start from the current one
  // so that the targets not given keep their values.
  ev1::SetCadencePolicyRequest request;
  ev1::CadencePolicy* policy = request.mutable_policy();
  if (given < 3) {
    ev1::ListCadencePoliciesResponse current;
    if (grpc::Status status = ListPolicies(&current); !status.ok()) {
      return RpcError(status);
    }
    for (const ev1::CadencePolicy& p : current.policies()) {
      if (p.tier() == *tier) *policy = p;
    }
  }
  policy->set_tier(*tier);
  policy->clear_is_default();
  if (in.Has("visit_days")) policy->set_visit_interval_days(targets[0].value);
  if (in.Has("executive_days")) {
    policy->set_executive_contact_interval_days(targets[1].value);
  }
  if (in.Has("review_days")) {
    policy->set_business_review_interval_days(targets[2].value);
  }

  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::CadencePolicy stored;
  grpc::Status status =
      NewEngagementStub()->SetCadencePolicy(&context, request, &stored);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(stored);
  } else {
    google::protobuf::RepeatedPtrField<ev1::CadencePolicy> policies;
    *policies.Add() = stored;
    CadenceTable(policies).Print(std::cout);
  }
  return kExitOk;
}

int RunOverdue(const Invocation& in) {
  ev1::ListOverdueAccountsRequest request;
  if (const std::string tier = absl::GetFlag(FLAGS_tier); !tier.empty()) {
    auto parsed = ParseTier(tier);
    if (!parsed.ok()) {
      return UsageError(FlagError("tier", parsed.status()).message());
    }
    request.set_tier(*parsed);
  }
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) return UsageError("--limit: must not be negative");
  if (limit > INT32_MAX) return UsageError("--limit: too large");
  request.set_limit(static_cast<int32_t>(limit));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::ListOverdueAccountsResponse response;
  grpc::Status status =
      NewEngagementStub()->ListOverdueAccounts(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else if (response.accounts().empty()) {
    std::cout << "no account is behind its cadence\n";
  } else {
    OverdueTable(response.accounts()).Print(std::cout);
  }
  return kExitOk;
}

int RunCoverage(const Invocation& in) {
  if (absl::Status s = CheckAccountArg(in); !s.ok()) {
    return UsageError(s.message());
  }
  ev1::GetCoverageRequest request;
  request.set_account(AccountName(in.args[0]));
  request.set_days(absl::GetFlag(FLAGS_days));
  if (request.days() < 0) return UsageError("--days: must not be negative");
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::Coverage coverage;
  grpc::Status status =
      NewEngagementStub()->GetCoverage(&context, request, &coverage);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(coverage);
  } else {
    CoverageDetails(coverage).Print(std::cout);
  }
  return kExitOk;
}

int RunStageGet(const Invocation& in) {
  if (absl::Status s = CheckAccountArg(in); !s.ok()) {
    return UsageError(s.message());
  }
  ev1::GetRelationshipStageRequest request;
  request.set_account(AccountName(in.args[0]));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::RelationshipStageHistory history;
  grpc::Status status =
      NewEngagementStub()->GetRelationshipStage(&context, request, &history);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(history);
  } else if (!history.has_current() && history.history().empty()) {
    std::cout << request.account() << ": no relationship stage set yet\n";
  } else {
    StageHistoryTable(history).Print(std::cout);
  }
  return kExitOk;
}

int RunStageSet(const Invocation& in) {
  if (absl::Status s = CheckAccountArg(in); !s.ok()) {
    return UsageError(s.message());
  }
  auto stage = ParseStage(in.args[1]);
  if (!stage.ok()) {
    return UsageError(absl::StrCat("STAGE ", stage.status().message()));
  }
  const std::string rationale = absl::GetFlag(FLAGS_rationale);
  if (rationale.empty()) {
    return UsageError(
        "stage set: --rationale is required: say why the relationship is at "
        "this stage");
  }
  // The stage takes effect on a day: today (UTC) unless told otherwise.
  absl::Time effective = absl::FromCivil(
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()), absl::UTCTimeZone());
  if (in.Has("effective")) {
    auto parsed = ParseTime(absl::GetFlag(FLAGS_effective));
    if (!parsed.ok()) {
      return UsageError(FlagError("effective", parsed.status()).message());
    }
    effective = *parsed;
  }
  ev1::SetRelationshipStageRequest request;
  ev1::RelationshipStage* s = request.mutable_stage();
  s->set_account(AccountName(in.args[0]));
  s->set_stage(*stage);
  *s->mutable_effective_time() = ToTimestamp(effective);
  s->set_rationale(rationale);
  s->set_set_by(absl::GetFlag(FLAGS_by));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::RelationshipStage stored;
  grpc::Status status =
      NewEngagementStub()->SetRelationshipStage(&context, request, &stored);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(stored);
  } else {
    ev1::RelationshipStageHistory shown;
    *shown.mutable_current() = stored;
    *shown.add_history() = stored;
    StageHistoryTable(shown).Print(std::cout);
  }
  return kExitOk;
}

int RunSummary(const Invocation& in) {
  if (absl::Status s = CheckAccountArg(in); !s.ok()) {
    return UsageError(s.message());
  }
  ev1::GetEngagementSummaryRequest request;
  request.set_account(AccountName(in.args[0]));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::EngagementSummary summary;
  grpc::Status status =
      NewEngagementStub()->GetEngagementSummary(&context, request, &summary);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(summary);
  } else {
    SummaryDetails(summary).Print(std::cout);
  }
  return kExitOk;
}

}  // namespace kam::kamctl
