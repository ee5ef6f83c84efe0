// kamctl accounts ...: list, get, create, update, delete, hierarchy.

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/money.h"
#include "tools/kamctl/records.h"
#include "tools/kamctl/views.h"

namespace kam::kamctl {
namespace {

// AccountFromFlags copies the account flags that were given into *account
// and names each in *mask (paths as UpdateAccount expects them).
absl::Status AccountFromFlags(const Invocation& in, v1::Account* account,
                              google::protobuf::FieldMask* mask) {
  auto given = [&](const char* flag, const char* path) {
    if (!in.Has(flag)) return false;
    mask->add_paths(path);
    return true;
  };
  if (given("display_name", "display_name")) {
    account->set_display_name(absl::GetFlag(FLAGS_display_name));
  }
  if (given("industry", "industry")) {
    account->set_industry(absl::GetFlag(FLAGS_industry));
  }
  if (given("segment", "segment")) {
    account->set_segment(absl::GetFlag(FLAGS_segment));
  }
  if (given("country", "country")) {
    account->set_country(absl::GetFlag(FLAGS_country));
  }
  if (given("status", "lifecycle_status")) {
    auto status = ParseLifecycleStatus(absl::GetFlag(FLAGS_status));
    if (!status.ok()) return FlagError("status", status.status());
    account->set_lifecycle_status(*status);
  }
  if (given("tags", "tags")) {
    for (std::string& tag : SplitList(absl::GetFlag(FLAGS_tags), ',')) {
      account->add_tags(std::move(tag));
    }
  }
  if (given("parent", "parent")) {
    const std::string parent = absl::GetFlag(FLAGS_parent);
    if (!parent.empty()) {
      if (absl::Status s = CheckId(parent); !s.ok()) {
        return FlagError("parent", s);
      }
      account->set_parent(AccountName(parent));
    }
  }
  if (given("kam", "key_account_manager")) {
    account->set_key_account_manager(absl::GetFlag(FLAGS_kam));
  }
  if (given("team", "team")) {
    auto team = ParseTeam(absl::GetFlag(FLAGS_team), ',');
    if (!team.ok()) return FlagError("team", team.status());
    for (v1::TeamMember& member : *team) {
      *account->add_team() = std::move(member);
    }
  }
  if (given("potential", "potential_revenue")) {
    const std::string amount = absl::GetFlag(FLAGS_potential);
    if (!amount.empty()) {
      if (!in.Has("currency")) {
        return absl::InvalidArgumentError("--potential needs --currency");
      }
      auto minor = ParseMinorUnits(amount);
      if (!minor.ok()) return FlagError("potential", minor.status());
      auto money = ParseMoney(amount, absl::GetFlag(FLAGS_currency));
      if (!money.ok()) return FlagError("currency", money.status());
      *account->mutable_potential_revenue() = *money;
    }
  } else if (in.Has("currency")) {
    return absl::InvalidArgumentError(
        "--currency goes with --potential (the potential revenue)");
  }
  return absl::OkStatus();
}

void PrintAccount(const v1::Account& account) {
  if (JsonOutput()) {
    PrintJson(account);
  } else {
    AccountDetails(account).Print(std::cout);
  }
}

}  // namespace

int RunAccountsList(const Invocation& in) {
  v1::ListAccountsRequest request;
  request.set_key_account_manager(absl::GetFlag(FLAGS_kam));
  request.set_segment(absl::GetFlag(FLAGS_segment));
  request.set_tag(absl::GetFlag(FLAGS_tag));
  if (const std::string parent = absl::GetFlag(FLAGS_parent); !parent.empty()) {
    if (absl::Status s = CheckId(parent); !s.ok()) {
      return UsageError(FlagError("parent", s).message());
    }
    request.set_parent(AccountName(parent));
  }
  if (const std::string status = absl::GetFlag(FLAGS_status); !status.empty()) {
    auto parsed = ParseLifecycleStatus(status);
    if (!parsed.ok()) {
      return UsageError(FlagError("status", parsed.status()).message());
    }
    request.set_lifecycle_status(*parsed);
  }
  return ListPages<v1::ListAccountsResponse>(
      NewRegistryStub, request,
      [](v1::Registry::Stub* stub, grpc::ClientContext* context,
         const v1::ListAccountsRequest& r, v1::ListAccountsResponse* page) {
        return stub->ListAccounts(context, r, page);
      },
      [](v1::ListAccountsResponse* r) { return r->mutable_accounts(); },
      [](const v1::ListAccountsResponse& r) {
        AccountsTable(r.accounts()).Print(std::cout);
      });
}

int RunAccountsGet(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  v1::GetAccountRequest request;
  request.set_name(AccountName(in.args[0]));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Account account;
  grpc::Status status =
      NewRegistryStub()->GetAccount(&context, request, &account);
  if (!status.ok()) return RpcError(status);
  PrintAccount(account);
  return kExitOk;
}

int RunAccountsCreate(const Invocation& in) {
  v1::CreateAccountRequest request;
  v1::Account* account = request.mutable_account();
  const std::string id = absl::GetFlag(FLAGS_id);
  if (!id.empty()) {
    if (absl::Status s = CheckId(id); !s.ok()) {
      return UsageError(FlagError("id", s).message());
    }
    account->set_account_id(id);
  }
  google::protobuf::FieldMask unused;
  if (absl::Status s = AccountFromFlags(in, account, &unused); !s.ok()) {
    return UsageError(s.message());
  }
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Account created;
  grpc::Status status =
      NewRegistryStub()->CreateAccount(&context, request, &created);
  if (!status.ok()) return RpcError(status);
  PrintAccount(created);
  return kExitOk;
}

int RunAccountsUpdate(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(AccountName(in.args[0]));
  if (absl::Status s = AccountFromFlags(in, request.mutable_account(),
                                        request.mutable_update_mask());
      !s.ok()) {
    return UsageError(s.message());
  }
  if (request.update_mask().paths().empty()) {
    return UsageError(
        "accounts update: nothing to change; give the flags of the fields to "
        "set, e.g. --status=active");
  }
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Account updated;
  grpc::Status status =
      NewRegistryStub()->UpdateAccount(&context, request, &updated);
  if (!status.ok()) return RpcError(status);
  PrintAccount(updated);
  return kExitOk;
}

int RunAccountsDelete(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  v1::DeleteAccountRequest request;
  request.set_name(AccountName(in.args[0]));
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::DeleteAccountResponse response;
  grpc::Status status =
      NewRegistryStub()->DeleteAccount(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << "deleted " << request.name() << " ("
              << response.contacts_deleted() << " contacts, "
              << response.financial_facts_deleted() << " financial facts)\n";
  }
  return kExitOk;
}

int RunAccountsHierarchy(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  v1::GetAccountHierarchyRequest request;
  request.set_name(AccountName(in.args[0]));
  request.set_max_depth(absl::GetFlag(FLAGS_depth));
  if (request.max_depth() < 0)
    return UsageError("--depth: must not be negative");
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::AccountHierarchy tree;
  grpc::Status status =
      NewRegistryStub()->GetAccountHierarchy(&context, request, &tree);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(tree);
    return kExitOk;
  }
  const std::string period =
      in.Has("period") ? absl::GetFlag(FLAGS_period) : LatestPeriod(tree);
  HierarchyTable(tree, period).Print(std::cout);
  return kExitOk;
}

}  // namespace kam::kamctl
