#include "tests/engagement/engagement_testing.h"

#include <cstdio>
#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/support/http_get.h"
#include "tests/support/wait.h"

#ifndef KAM_ENGAGEMENT_BINARY
#define KAM_ENGAGEMENT_BINARY ""
#endif

namespace kam::engagement_test {

std::string EngagementBinary() { return KAM_ENGAGEMENT_BINARY; }

absl::Time FixedNow() { return At(2026, 6, 1); }

absl::Time At(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute),
                         absl::UTCTimeZone());
}

google::protobuf::Timestamp Proto(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t seconds = absl::ToUnixSeconds(t);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return out;
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

namespace {

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(CodeName(status.error_code()), ": \"",
                      status.error_message(), "\"");
}

}  // namespace

// --- Builders ---------------------------------------------------------------

ev1::Interaction NewInteraction(const std::string& account_id,
                                ev1::InteractionType type,
                                absl::Time occurred_at,
                                const std::vector<std::string>& contact_ids) {
  ev1::Interaction interaction;
  interaction.set_account(AccountName(account_id));
  interaction.set_type(type);
  *interaction.mutable_occurred_at() = Proto(occurred_at);
  for (const std::string& contact : contact_ids) {
    interaction.add_participants(ContactName(account_id, contact));
  }
  interaction.add_internal_participants("kam@supplier.example");
  interaction.set_summary("Talked about the 2027 framework agreement");
  return interaction;
}

ev1::CreateInteractionRequest NewCreateRequest(
    const ev1::Interaction& interaction, const std::string& request_id) {
  ev1::CreateInteractionRequest request;
  *request.mutable_interaction() = interaction;
  request.set_request_id(request_id);
  return request;
}

ev1::SurveyResponse NewSurvey(const std::string& account_id, int nps, int csat,
                              absl::Time responded_at) {
  ev1::SurveyResponse response;
  response.set_account(AccountName(account_id));
  response.set_nps(nps);
  response.set_csat(csat);
  *response.mutable_responded_at() = Proto(responded_at);
  return response;
}

ev1::RelationshipStage NewStage(const std::string& account_id, ev1::Stage stage,
                                absl::Time effective, const std::string& why) {
  ev1::RelationshipStage out;
  out.set_account(AccountName(account_id));
  out.set_stage(stage);
  *out.mutable_effective_time() = Proto(effective);
  out.set_rationale(why);
  out.set_set_by("kam@supplier.example");
  return out;
}

std::vector<std::string> Names(const std::vector<ev1::Interaction>& list) {
  std::vector<std::string> out;
  for (const ev1::Interaction& interaction : list) {
    out.push_back(interaction.name());
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<ev1::Interaction>& list) {
  std::vector<std::string> out;
  for (const ev1::Interaction& interaction : list) {
    out.push_back(interaction.interaction_id());
  }
  return out;
}

// --- EngagementClient -------------------------------------------------------

EngagementClient::EngagementClient(const std::string& address)
    : channel_(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(ev1::Engagement::NewStub(channel_)),
      feed_(cv1::ChangeFeed::NewStub(channel_)) {}

grpc::Status EngagementClient::Create(const ev1::Interaction& interaction,
                                      ev1::Interaction* out,
                                      const std::string& request_id) {
  ev1::Interaction ignored;
  return Call(&ev1::Engagement::Stub::CreateInteraction,
              NewCreateRequest(interaction, request_id),
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::BatchCreate(
    const std::vector<ev1::CreateInteractionRequest>& items,
    ev1::BatchCreateInteractionsResponse* out) {
  ev1::BatchCreateInteractionsRequest request;
  for (const auto& item : items) *request.add_requests() = item;
  return Call(&ev1::Engagement::Stub::BatchCreateInteractions, request, out,
              absl::Seconds(30));
}

grpc::Status EngagementClient::Get(const std::string& name,
                                   ev1::Interaction* out) {
  ev1::GetInteractionRequest request;
  request.set_name(name);
  ev1::Interaction ignored;
  return Call(&ev1::Engagement::Stub::GetInteraction, request,
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::List(const ev1::ListInteractionsRequest& request,
                                    ev1::ListInteractionsResponse* out) {
  return Call(&ev1::Engagement::Stub::ListInteractions, request, out);
}

grpc::Status EngagementClient::ListAll(ev1::ListInteractionsRequest request,
                                       std::vector<ev1::Interaction>* out) {
  out->clear();
  for (int page = 0; page < 1000; ++page) {
    ev1::ListInteractionsResponse response;
    grpc::Status status = List(request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.interactions().begin(),
                response.interactions().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListInteractions: more than 1000 pages");
}

grpc::Status EngagementClient::ListContact(
    const ev1::ListContactInteractionsRequest& request,
    ev1::ListInteractionsResponse* out) {
  return Call(&ev1::Engagement::Stub::ListContactInteractions, request, out);
}

grpc::Status EngagementClient::ListAllContact(
    ev1::ListContactInteractionsRequest request,
    std::vector<ev1::Interaction>* out) {
  out->clear();
  for (int page = 0; page < 1000; ++page) {
    ev1::ListInteractionsResponse response;
    grpc::Status status = ListContact(request, &response);
    if (!status.ok()) return status;
    out->insert(out->end(), response.interactions().begin(),
                response.interactions().end());
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "ListContactInteractions: more than 1000 pages");
}

grpc::Status EngagementClient::Update(const ev1::Interaction& interaction,
                                      const std::vector<std::string>& paths,
                                      ev1::Interaction* out,
                                      const std::string& etag) {
  ev1::UpdateInteractionRequest request;
  *request.mutable_interaction() = interaction;
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  request.set_etag(etag);
  ev1::Interaction ignored;
  return Call(&ev1::Engagement::Stub::UpdateInteraction, request,
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::Delete(const std::string& name,
                                      const std::string& etag) {
  ev1::DeleteInteractionRequest request;
  request.set_name(name);
  request.set_etag(etag);
  ev1::DeleteInteractionResponse response;
  return Call(&ev1::Engagement::Stub::DeleteInteraction, request, &response);
}

grpc::Status EngagementClient::RecordSurvey(const ev1::SurveyResponse& response,
                                            ev1::SurveyResponse* out,
                                            const std::string& request_id) {
  ev1::RecordSurveyResponseRequest request;
  *request.mutable_response() = response;
  request.set_request_id(request_id);
  ev1::SurveyResponse ignored;
  return Call(&ev1::Engagement::Stub::RecordSurveyResponse, request,
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::GetSatisfaction(const std::string& account,
                                               int window_days,
                                               ev1::Satisfaction* out) {
  ev1::GetSatisfactionRequest request;
  request.set_account(account);
  request.set_window_days(window_days);
  return Call(&ev1::Engagement::Stub::GetSatisfaction, request, out);
}

grpc::Status EngagementClient::ListPolicies(
    ev1::ListCadencePoliciesResponse* out) {
  return Call(&ev1::Engagement::Stub::ListCadencePolicies,
              ev1::ListCadencePoliciesRequest(), out);
}

grpc::Status EngagementClient::SetPolicy(const ev1::CadencePolicy& policy,
                                         ev1::CadencePolicy* out) {
  ev1::SetCadencePolicyRequest request;
  *request.mutable_policy() = policy;
  ev1::CadencePolicy ignored;
  return Call(&ev1::Engagement::Stub::SetCadencePolicy, request,
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::ListOverdue(
    cv1::Tier tier, int limit, ev1::ListOverdueAccountsResponse* out) {
  ev1::ListOverdueAccountsRequest request;
  request.set_tier(tier);
  request.set_limit(limit);
  return Call(&ev1::Engagement::Stub::ListOverdueAccounts, request, out);
}

grpc::Status EngagementClient::GetCoverage(const std::string& account, int days,
                                           ev1::Coverage* out) {
  ev1::GetCoverageRequest request;
  request.set_account(account);
  request.set_days(days);
  return Call(&ev1::Engagement::Stub::GetCoverage, request, out);
}

grpc::Status EngagementClient::SetStage(const ev1::RelationshipStage& stage,
                                        ev1::RelationshipStage* out) {
  ev1::SetRelationshipStageRequest request;
  *request.mutable_stage() = stage;
  ev1::RelationshipStage ignored;
  return Call(&ev1::Engagement::Stub::SetRelationshipStage, request,
              out != nullptr ? out : &ignored);
}

grpc::Status EngagementClient::GetStage(const std::string& account,
                                        ev1::RelationshipStageHistory* out) {
  ev1::GetRelationshipStageRequest request;
  request.set_account(account);
  return Call(&ev1::Engagement::Stub::GetRelationshipStage, request, out);
}

grpc::Status EngagementClient::GetSummary(const std::string& account,
                                          ev1::EngagementSummary* out) {
  ev1::GetEngagementSummaryRequest request;
  request.set_account(account);
  return Call(&ev1::Engagement::Stub::GetEngagementSummary, request, out);
}

absl::StatusOr<uint64_t> EngagementClient::FeedHead() {
  return registry_test::StreamHead(
      [this](grpc::ClientContext* context,
             const cv1::WatchChangesRequest& request) {
        SetDeadline(context);
        return feed_->WatchChanges(context, request);
      });
}

absl::StatusOr<ev1::EngagementSummary> EngagementClient::WaitForSummaryEvent(
    uint64_t after_sequence,
    const std::function<bool(const ev1::EngagementSummary&)>& match,
    absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  cv1::WatchChangesRequest request;
  request.set_after_sequence(after_sequence);
  auto reader = feed_->WatchChanges(&context, request);
  std::vector<std::string> seen;
  cv1::WatchChangesResponse response;
  uint64_t expected_next = after_sequence + 1;
  while (reader->Read(&response)) {
    for (const cv1::ChangeEvent& event : response.events()) {
      if (event.sequence() != expected_next) {
        seen.push_back(absl::StrCat("GAP: expected sequence ", expected_next,
                                    ", got ", event.sequence()));
      }
      expected_next = event.sequence() + 1;
      ev1::EngagementSummary summary;
      if (!event.resource().UnpackTo(&summary)) {
        seen.push_back(absl::StrCat(event.sequence(), " ",
                                    event.resource_name(), " (",
                                    event.resource().type_url(), ")"));
        continue;
      }
      seen.push_back(
          absl::StrCat(event.sequence(), " ", summary.ShortDebugString()));
      if (match(summary)) {
        context.TryCancel();
        reader->Finish().IgnoreError();
        return summary;
      }
    }
  }
  grpc::Status finished = reader->Finish();
  return absl::DeadlineExceededError(
      absl::StrCat("no matching EngagementSummary event after sequence ",
                   after_sequence, " (stream ended: ", Describe(finished),
                   "); saw:\n  ", absl::StrJoin(seen, "\n  ")));
}

// --- EngagementTest ---------------------------------------------------------

void EngagementTest::SetUp() {
  ASSERT_FALSE(registry_test::RegistryBinary().empty())
      << "KAM_REGISTRY_BINARY is not set";
  ASSERT_FALSE(EngagementBinary().empty())
      << "KAM_ENGAGEMENT_BINARY is not set: the kam-engagement target did "
         "not exist when CMake configured the tests";
  std::filesystem::create_directories(dir_.Sub("registry"));
  std::filesystem::create_directories(dir_.Sub("engagement"));

  test_support::ServiceProcess::Options options;
  options.binary = registry_test::RegistryBinary();
  options.data_dir = dir_.Sub("registry/data");
  options.run_dir = dir_.Sub("registry");
  // The registry's clock stands where engagement's does, so an account's
  // create_time (the cadence baseline for "never") is fixed too.
  if (!fixed_time_.empty()) {
    options.extra_args.push_back("--fixed_time=" + fixed_time_);
  }
  auto registry = test_support::ServiceProcess::Start(options);
  ASSERT_TRUE(registry.ok()) << registry.status();
  registry_ = std::move(registry).value();
  registry_client_ =
      std::make_unique<RegistryClient>(registry_->grpc_address());
  registry_address_ = registry_->grpc_address();

  StartEngagement();
}

void EngagementTest::TearDown() {
  if (HasFailure()) {
    for (auto* process : {registry_.get(), engagement_.get()}) {
      if (process == nullptr) continue;
      std::fprintf(stderr, "---- log %s ----\n%s\n----\n",
                   process->log_path().c_str(), process->LogTail().c_str());
    }
  }
  engagement_client_.reset();
  registry_client_.reset();
  if (engagement_ != nullptr) engagement_->Kill();
  if (registry_ != nullptr) registry_->Kill();
}

void EngagementTest::StartEngagement() {
  engagement_client_.reset();
  if (engagement_ != nullptr) engagement_->Kill();
  if (registry_ != nullptr && !registry_->grpc_address().empty()) {
    registry_address_ = registry_->grpc_address();
  }
  test_support::ServiceProcess::Options options;
  options.binary = EngagementBinary();
  options.data_dir = dir_.Sub("engagement/data");
  options.run_dir = dir_.Sub("engagement");
  options.extra_args.push_back("--registry_addr=" + registry_address_);
  if (!default_tier_.empty()) {
    options.extra_args.push_back("--default_tier=" + default_tier_);
  }
  if (!fixed_time_.empty()) {
    options.extra_args.push_back("--fixed_time=" + fixed_time_);
  }
  options.extra_args.insert(options.extra_args.end(), engagement_args_.begin(),
                            engagement_args_.end());
  // A new ServiceProcess (not Restart) so the flags can change; it appends
  // to the same log in the same run directory.
  auto engagement = test_support::ServiceProcess::Start(options);
  ASSERT_TRUE(engagement.ok()) << engagement.status();
  engagement_ = std::move(engagement).value();
  engagement_client_ =
      std::make_unique<EngagementClient>(engagement_->grpc_address());
}

void EngagementTest::KillEngagement() {
  engagement_client_.reset();
  engagement_->Kill();
}

void EngagementTest::KillRegistry() {
  registry_client_.reset();
  registry_->Kill();
}

void EngagementTest::RestartRegistry() {
  registry_client_.reset();
  registry_->Kill();
  absl::Status restarted = registry_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  registry_client_ =
      std::make_unique<RegistryClient>(registry_->grpc_address());
}

void EngagementTest::SeedRegistry(
    const std::vector<rv1::Account>& accounts,
    const std::vector<std::pair<std::string, rv1::Contact>>& contacts) {
  rv1::ImportRecordsRequest request;
  for (const rv1::Account& account : accounts)
    *request.add_accounts() = account;
  for (const auto& [account_id, contact] : contacts) {
    rv1::ImportContact* item = request.add_contacts();
    item->set_parent(AccountName(account_id));
    *item->mutable_contact() = contact;
  }
  rv1::ImportRecordsResponse response;
  ASSERT_TRUE(IsOk(registry().Import(request, &response)));
  ASSERT_EQ(response.failed(), 0) << response.ShortDebugString();
  ASSERT_EQ(response.created(),
            static_cast<int>(accounts.size() + contacts.size()))
      << response.ShortDebugString();
}

::testing::AssertionResult EngagementTest::WaitForAccount(
    const std::string& account_id, int contacts, absl::Duration timeout) {
  grpc::Status last;
  ev1::Coverage coverage;
  const bool known = test_support::WaitUntil(
      [&] {
        coverage.Clear();
        last = engagement().GetCoverage(AccountName(account_id), 90, &coverage);
        return last.ok() && coverage.contacts_engaged_size() +
                                    coverage.contacts_not_engaged_size() ==
                                contacts;
      },
      timeout, absl::Milliseconds(20));
  if (known) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "engagement did not learn accounts/" << account_id << " with "
         << contacts << " contacts from the registry feed within "
         << absl::FormatDuration(timeout)
         << "; last GetCoverage: " << Describe(last) << " "
         << coverage.ShortDebugString();
}

rv1::Account NewCustomer(const std::string& account_id,
                         const std::string& display_name) {
  rv1::Account account = NewAccount(account_id, display_name);
  account.set_lifecycle_status(rv1::ACTIVE);
  return account;
}

void EngagementTest::SeedPortfolio() {
  SeedRegistry(
      {NewCustomer("acme", "Acme Industries"), NewCustomer("globex", "Globex"),
       NewCustomer("initech", "Initech"), NewCustomer("umbrella", "Umbrella")},
      {{"acme", NewContact("ann", {rv1::BUYER}, rv1::OPERATIONAL)},
       {"acme", NewContact("bob", {rv1::DECIDER}, rv1::EXECUTIVE)},
       {"acme",
        NewContact("cid", {rv1::USER, rv1::INFLUENCER}, rv1::MANAGEMENT)},
       {"acme", NewContact("dee", {rv1::AMBASSADOR}, rv1::MANAGEMENT)},
       {"globex", NewContact("gus", {rv1::AMBASSADOR}, rv1::EXECUTIVE)},
       {"umbrella", NewContact("una", {rv1::BUYER}, rv1::MANAGEMENT)}});
  // The feed delivers in commit order and the import wrote accounts before
  // contacts, so once the last contact is there, everything is.
  ASSERT_TRUE(WaitForAccount("umbrella", 1));
  ASSERT_TRUE(WaitForAccount("acme", 4));
  ASSERT_TRUE(WaitForAccount("globex", 1));
  ASSERT_TRUE(WaitForAccount("initech", 0));
}

ev1::Interaction EngagementTest::MustCreate(const ev1::Interaction& interaction,
                                            const std::string& request_id) {
  ev1::Interaction created;
  grpc::Status status = engagement().Create(interaction, &created, request_id);
  EXPECT_TRUE(IsOk(status)) << "creating " << interaction.ShortDebugString();
  return created;
}

std::vector<ev1::Interaction> EngagementTest::MustListAll(
    const std::string& account_id) {
  ev1::ListInteractionsRequest request;
  request.set_parent(AccountName(account_id));
  std::vector<ev1::Interaction> out;
  EXPECT_TRUE(IsOk(engagement().ListAll(request, &out)))
      << "listing " << account_id;
  return out;
}

std::string EngagementTest::Snapshot(
    const std::vector<std::string>& account_ids) {
  std::string snapshot;
  auto add = [&](const std::string& what, const grpc::Status& status,
                 const google::protobuf::Message& message) {
    absl::StrAppend(&snapshot, what, ": ",
                    status.ok() ? message.ShortDebugString() : Describe(status),
                    "\n");
  };
  for (const std::string& id : account_ids) {
    ev1::ListInteractionsRequest list;
    list.set_parent(AccountName(id));
    std::vector<ev1::Interaction> interactions;
    grpc::Status status = engagement().ListAll(list, &interactions);
    absl::StrAppend(&snapshot, "timeline ", id, ": ", Describe(status), "\n");
    for (const ev1::Interaction& interaction : interactions) {
      absl::StrAppend(&snapshot, "  ", interaction.ShortDebugString(), "\n");
    }
    if (registry_client_ != nullptr) {
      rv1::ListContactsRequest contacts_request;
      contacts_request.set_parent(AccountName(id));
      std::vector<rv1::Contact> contacts;
      status = registry().ListAllContacts(contacts_request, &contacts);
      if (!status.ok()) {
        absl::StrAppend(&snapshot, "registry contacts ", id, ": ",
                        Describe(status), "\n");
      }
      for (const rv1::Contact& contact : contacts) {
        ev1::ListContactInteractionsRequest by_contact;
        by_contact.set_contact(contact.name());
        std::vector<ev1::Interaction> of_contact;
        status = engagement().ListAllContact(by_contact, &of_contact);
        absl::StrAppend(&snapshot, "contact ", contact.name(), ": ",
                        Describe(status), " ",
                        absl::StrJoin(Names(of_contact), ","), "\n");
      }
    }
    ev1::Satisfaction satisfaction;
    add("satisfaction " + id,
        engagement().GetSatisfaction(AccountName(id), 3650, &satisfaction),
        satisfaction);
    ev1::RelationshipStageHistory stages;
    add("stages " + id, engagement().GetStage(AccountName(id), &stages),
        stages);
  }
  ev1::ListCadencePoliciesResponse policies;
  add("policies", engagement().ListPolicies(&policies), policies);
  return snapshot;
}

std::vector<test_support::MetricSample> EngagementTest::ScrapeEngagement() {
  absl::StatusOr<std::string> body =
      test_support::HttpGet(engagement_->metrics_address(), "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? test_support::ParsePrometheusText(*body)
                   : std::vector<test_support::MetricSample>{};
}

}  // namespace kam::engagement_test
