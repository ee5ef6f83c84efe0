// kamctl interactions ...: list, contact, get, log, update, delete, import.
// They talk to the engagement service (--engagement_addr).

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/engagement_import.h"
#include "tools/kamctl/engagement_records.h"
#include "tools/kamctl/engagement_views.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {
namespace {

constexpr int kMaxBatch = 5000;      // BatchCreateInteractions' limit
constexpr int kDefaultBatch = 1000;  // when --batch is not given
constexpr int kAttempts = 3;
// BatchCreateInteractions' documented default deadline; a batch call waits
// at least this long even when --timeout is shorter.
constexpr absl::Duration kBatchDeadline = absl::Seconds(30);

// CheckArgs checks the positional IDs, named in order by `names`.
absl::Status CheckArgs(const Invocation& in,
                       std::initializer_list<const char*> names) {
  size_t i = 0;
  for (const char* name : names) {
    if (i >= in.args.size()) break;
    if (absl::Status s = CheckId(in.args[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " ", s.message()));
    }
    ++i;
  }
  return absl::OkStatus();
}

// InteractionFromFlags copies the interaction flags that were given into
// *interaction and names each in *mask (the paths UpdateInteraction takes).
absl::Status InteractionFromFlags(const Invocation& in,
                                  const std::string& account_id,
                                  ev1::Interaction* interaction,
                                  google::protobuf::FieldMask* mask) {
  auto given = [&](const char* flag, const char* path) {
    if (!in.Has(flag)) return false;
    mask->add_paths(path);
    return true;
  };
  if (given("type", "type")) {
    auto type = ParseInteractionType(absl::GetFlag(FLAGS_type));
    if (!type.ok()) return FlagError("type", type.status());
    interaction->set_type(*type);
  }
  if (given("at", "occurred_at")) {
    auto at = ParseTime(absl::GetFlag(FLAGS_at));
    if (!at.ok()) return FlagError("at", at.status());
    *interaction->mutable_occurred_at() = ToTimestamp(*at);
  }
  if (given("with", "participants")) {
    auto names = ParseContactIds(account_id, absl::GetFlag(FLAGS_with), ',');
    if (!names.ok()) return FlagError("with", names.status());
    for (std::string& name : *names) {
      interaction->add_participants(std::move(name));
    }
  }
  if (given("internal", "internal_participants")) {
    auto people = ParseInternalParticipants(absl::GetFlag(FLAGS_internal), ',');
    if (!people.ok()) return FlagError("internal", people.status());
    for (std::string& person : *people) {
      interaction->add_internal_participants(std::move(person));
    }
  }
  if (given("channel", "channel")) {
    // An empty value clears it: the server derives it from the type.
    if (const std::string channel = absl::GetFlag(FLAGS_channel);
        !channel.empty()) {
      auto parsed = ParseChannel(channel);
      if (!parsed.ok()) return FlagError("channel", parsed.status());
      interaction->set_channel(*parsed);
    }
  }
  if (given("summary", "summary")) {
    interaction->set_summary(absl::GetFlag(FLAGS_summary));
  }
  if (given("outcome", "outcome")) {
    interaction->set_outcome(absl::GetFlag(FLAGS_outcome));
  }
  if (given("next_steps", "next_steps")) {
    interaction->set_next_steps(absl::GetFlag(FLAGS_next_steps));
  }
  if (given("sentiment", "sentiment")) {
    // An empty value is neutral (0).
    if (const std::string sentiment = absl::GetFlag(FLAGS_sentiment);
        !sentiment.empty()) {
      auto parsed = ParseSentiment(sentiment);
      if (!parsed.ok()) return FlagError("sentiment", parsed.status());
      interaction->set_sentiment(*parsed);
    }
  }
  return absl::OkStatus();
}

void PrintInteraction(const ev1::Interaction& interaction) {
  if (JsonOutput()) {
    PrintJson(interaction);
  } else {
    InteractionDetails(interaction).Print(std::cout);
  }
}

// ListInteractionPages is ListPages for `list` (ListInteractions or
// ListContactInteractions), printing the interactions as a table.
template <typename Request, typename ListFn>
int ListInteractionPages(Request request, ListFn list) {
  return ListPages<ev1::ListInteractionsResponse>(
      NewEngagementStub, std::move(request), list,
      [](ev1::ListInteractionsResponse* r) {
        return r->mutable_interactions();
      },
      [](const ev1::ListInteractionsResponse& r) {
        InteractionsTable(r.interactions()).Print(std::cout);
      });
}

// SendBatch sends one batch, retrying while the server is unreachable or
// slow: every item has a stable request_id, so a retry never writes twice.
grpc::Status SendBatch(ev1::Engagement::Stub* stub,
                       const ev1::BatchCreateInteractionsRequest& request,
                       int batch_index,
                       ev1::BatchCreateInteractionsResponse* response) {
  const absl::Duration deadline =
      std::max(absl::GetFlag(FLAGS_timeout), kBatchDeadline);
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    PrepareContext(&context, /*with_deadline=*/false);
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    response->Clear();
    grpc::Status status =
        stub->BatchCreateInteractions(&context, request, response);
    const bool transient =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (status.ok() || !transient || attempt == kAttempts) return status;
    std::cerr << absl::StrFormat(
        "kamctl: batch %d: %s: %s; retrying\n", batch_index + 1,
        StatusCodeName(status.error_code()), status.error_message());
    absl::SleepFor(absl::Milliseconds(500 * attempt));
  }
}

}  // namespace

int RunInteractionsList(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID"}); !s.ok()) {
    return UsageError(s.message());
  }
  ev1::ListInteractionsRequest request;
  request.set_parent(AccountName(in.args[0]));
  std::optional<absl::Time> since, until;
  if (in.Has("since")) {
    auto parsed = ParseTime(absl::GetFlag(FLAGS_since));
    if (!parsed.ok()) {
      return UsageError(FlagError("since", parsed.status()).message());
    }
    since = *parsed;
    *request.mutable_start_time() = ToTimestamp(*parsed);
  }
  if (in.Has("until")) {
    auto parsed = ParseTime(absl::GetFlag(FLAGS_until), DateMeans::kEndOfDay);
    if (!parsed.ok()) {
      return UsageError(FlagError("until", parsed.status()).message());
    }
    until = *parsed;
    *request.mutable_end_time() = ToTimestamp(*parsed);
  }
  if (since && until && *since >= *until) {
    return UsageError("--since must be before --until");
  }
  return ListInteractionPages(
      request, [](ev1::Engagement::Stub* stub, grpc::ClientContext* context,
                  const ev1::ListInteractionsRequest& r,
                  ev1::ListInteractionsResponse* page) {
        return stub->ListInteractions(context, r, page);
      });
}

int RunInteractionsContact(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID", "CONTACT_ID"}); !s.ok()) {
    return UsageError(s.message());
  }
  ev1::ListContactInteractionsRequest request;
  request.set_contact(ContactName(in.args[0], in.args[1]));
  return ListInteractionPages(
      request, [](ev1::Engagement::Stub* stub, grpc::ClientContext* context,
                  const ev1::ListContactInteractionsRequest& r,
                  ev1::ListInteractionsResponse* page) {
        return stub->ListContactInteractions(context, r, page);
      });
}

int RunInteractionsGet(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID", "INTERACTION_ID"});
      !s.ok()) {
    return UsageError(s.message());
  }
  ev1::GetInteractionRequest request;
  request.set_name(InteractionName(in.args[0], in.args[1]));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::Interaction interaction;
  grpc::Status status =
      NewEngagementStub()->GetInteraction(&context, request, &interaction);
  if (!status.ok()) return RpcError(status);
  PrintInteraction(interaction);
  return kExitOk;
}

int RunInteractionsLog(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID"}); !s.ok()) {
    return UsageError(s.message());
  }
  if (!in.Has("type")) {
    return UsageError(
        "interactions log: --type is required (visit, meeting, call, email, "
        "business_review, workshop or event)");
  }
  ev1::CreateInteractionRequest request;
  ev1::Interaction* interaction = request.mutable_interaction();
  interaction->set_account(AccountName(in.args[0]));
  if (const std::string id = absl::GetFlag(FLAGS_id); !id.empty()) {
    if (absl::Status s = CheckId(id); !s.ok()) {
      return UsageError(FlagError("id", s).message());
    }
    interaction->set_interaction_id(id);
  }
  google::protobuf::FieldMask unused;
  if (absl::Status s =
          InteractionFromFlags(in, in.args[0], interaction, &unused);
      !s.ok()) {
    return UsageError(s.message());
  }
  if (!in.Has("at"))
    *interaction->mutable_occurred_at() = ToTimestamp(absl::Now());
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::Interaction created;
  grpc::Status status =
      NewEngagementStub()->CreateInteraction(&context, request, &created);
  if (!status.ok()) return RpcError(status);
  PrintInteraction(created);
  return kExitOk;
}

int RunInteractionsUpdate(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID", "INTERACTION_ID"});
      !s.ok()) {
    return UsageError(s.message());
  }
  ev1::UpdateInteractionRequest request;
  request.mutable_interaction()->set_name(
      InteractionName(in.args[0], in.args[1]));
  if (absl::Status s =
          InteractionFromFlags(in, in.args[0], request.mutable_interaction(),
                               request.mutable_update_mask());
      !s.ok()) {
    return UsageError(s.message());
  }
  if (request.update_mask().paths().empty()) {
    return UsageError(
        "interactions update: nothing to change; give the flags of the fields "
        "to set, e.g. --outcome=\"PO signed\"");
  }
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::Interaction updated;
  grpc::Status status =
      NewEngagementStub()->UpdateInteraction(&context, request, &updated);
  if (!status.ok()) return RpcError(status);
  PrintInteraction(updated);
  return kExitOk;
}

int RunInteractionsDelete(const Invocation& in) {
  if (absl::Status s = CheckArgs(in, {"ACCOUNT_ID", "INTERACTION_ID"});
      !s.ok()) {
    return UsageError(s.message());
  }
  ev1::DeleteInteractionRequest request;
  request.set_name(InteractionName(in.args[0], in.args[1]));
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  ev1::DeleteInteractionResponse response;
  grpc::Status status =
      NewEngagementStub()->DeleteInteraction(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << "deleted " << request.name() << "\n";
  }
  return kExitOk;
}

int RunInteractionsImport(const Invocation& in) {
  const std::string& path = in.args[0];
  const int batch_size =
      in.Has("batch") ? absl::GetFlag(FLAGS_batch) : kDefaultBatch;
  if (batch_size < 1 || batch_size > kMaxBatch) {
    return UsageError(absl::StrFormat("--batch: must be from 1 to %d, got %d",
                                      kMaxBatch, batch_size));
  }
  const std::optional<std::string> content = ReadInputFile(path);
  if (!content.has_value()) return kExitFailure;
  absl::StatusOr<InteractionImportPlan> plan = PlanInteractionImport(*content);
  if (!ReportPlan(path, plan)) return kExitFailure;

  auto stub = NewEngagementStub();
  ImportTally tally;
  const size_t total = plan->size();
  int batch_index = 0;
  for (size_t begin = 0; begin < total; begin += batch_size, ++batch_index) {
    const size_t end = std::min(total, begin + batch_size);
    ev1::BatchCreateInteractionsRequest request;
    for (size_t i = begin; i < end; ++i)
      *request.add_requests() = plan->items[i];
    ev1::BatchCreateInteractionsResponse response;
    grpc::Status status =
        SendBatch(stub.get(), request, batch_index, &response);
    absl::Status counted =
        status.ok() ? TallyInteractionBatch(*plan, begin, end, response, &tally)
                    : absl::OkStatus();
    if (!status.ok() || !counted.ok()) {
      if (!status.ok()) {
        RpcError(status);
      } else {
        std::cerr << "kamctl: batch " << batch_index + 1 << ": "
                  << counted.message() << "\n";
      }
      std::cerr << absl::StrFormat(
          "kamctl: %d of %d rows were sent before this; running the same "
          "import again is safe\n",
          begin, total);
      return kExitFailure;
    }
    std::cerr << absl::StrFormat("imported %d/%d rows...\n", end, total);
  }

  PrintRefusedRows(path, &tally.failures);
  if (JsonOutput()) {
    PrintImportJson(path,
                    {{"rows", plan->total_rows},
                     {"created", tally.created},
                     {"alreadyImported", tally.already_imported},
                     {"failed", tally.failed},
                     {"malformed", static_cast<int>(plan->errors.size())}},
                    tally.failures, plan->errors);
  } else {
    std::cout << absl::StrFormat(
        "%s: %d rows: %d created, %d already imported, %d failed, %d "
        "malformed (not sent)\n",
        path, plan->total_rows, tally.created, tally.already_imported,
        tally.failed, plan->errors.size());
  }
  return tally.failed > 0 || !plan->errors.empty() ? kExitFailure : kExitOk;
}

}  // namespace kam::kamctl
