// kamctl contacts ...: list, get, create, update, delete, orgchart.

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/records.h"
#include "tools/kamctl/views.h"

namespace kam::kamctl {
namespace {

// CheckIds checks the positional IDs (ACCOUNT_ID [CONTACT_ID]).
absl::Status CheckIds(const Invocation& in) {
  static const char* const kNames[] = {"ACCOUNT_ID", "CONTACT_ID"};
  for (size_t i = 0; i < in.args.size() && i < 2; ++i) {
    if (absl::Status s = CheckId(in.args[i]); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kNames[i], " ", s.message()));
    }
  }
  return absl::OkStatus();
}

// ContactFromFlags copies the contact flags that were given into *contact
// and names each in *mask. `account_id` qualifies --reports_to.
absl::Status ContactFromFlags(const Invocation& in,
                              const std::string& account_id,
                              v1::Contact* contact,
                              google::protobuf::FieldMask* mask) {
  auto given = [&](const char* flag) {
    if (!in.Has(flag)) return false;
    mask->add_paths(flag);  // the flags are named like the fields
    return true;
  };
  if (given("display_name")) {
    contact->set_display_name(absl::GetFlag(FLAGS_display_name));
  }
  if (given("title")) contact->set_title(absl::GetFlag(FLAGS_title));
  if (given("email")) contact->set_email(absl::GetFlag(FLAGS_email));
  if (given("roles")) {
    auto roles = ParseBuyingRoles(absl::GetFlag(FLAGS_roles), ',');
    if (!roles.ok()) return FlagError("roles", roles.status());
    for (v1::BuyingRole role : *roles) contact->add_roles(role);
  }
  if (given("level")) {
    auto level = ParseOrgLevel(absl::GetFlag(FLAGS_level));
    if (!level.ok()) return FlagError("level", level.status());
    contact->set_level(*level);
  }
  if (given("attitude")) {
    auto attitude = ParseAttitude(absl::GetFlag(FLAGS_attitude));
    if (!attitude.ok()) return FlagError("attitude", attitude.status());
    contact->set_attitude(*attitude);
  }
  if (given("influence")) {
    auto influence = ParseInfluence(absl::GetFlag(FLAGS_influence));
    if (!influence.ok()) return FlagError("influence", influence.status());
    contact->set_influence(*influence);
  }
  if (given("reports_to")) {
    const std::string boss = absl::GetFlag(FLAGS_reports_to);
    if (!boss.empty()) {
      if (absl::Status s = CheckId(boss); !s.ok()) {
        return FlagError("reports_to", s);
      }
      contact->set_reports_to(ContactName(account_id, boss));
    }
  }
  return absl::OkStatus();
}

void PrintContact(const v1::Contact& contact) {
  if (JsonOutput()) {
    PrintJson(contact);
  } else {
    ContactDetails(contact).Print(std::cout);
  }
}

// ListAll reads every page of the account's contacts into *result.
grpc::Status ListAll(v1::ListContactsRequest request,
                     v1::ListContactsResponse* result) {
  auto stub = NewRegistryStub();
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    PrepareContext(&context);
    v1::ListContactsResponse page;
    grpc::Status status = stub->ListContacts(&context, request, &page);
    if (!status.ok()) return status;
    for (v1::Contact& contact : *page.mutable_contacts()) {
      *result->add_contacts() = std::move(contact);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

}  // namespace

int RunContactsList(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::ListContactsRequest request;
  request.set_parent(AccountName(in.args[0]));
  if (const std::string role = absl::GetFlag(FLAGS_role); !role.empty()) {
    auto parsed = ParseBuyingRole(role);
    if (!parsed.ok())
      return UsageError(FlagError("role", parsed.status()).message());
    request.set_role(*parsed);
  }
  if (const std::string level = absl::GetFlag(FLAGS_level); !level.empty()) {
    auto parsed = ParseOrgLevel(level);
    if (!parsed.ok())
      return UsageError(FlagError("level", parsed.status()).message());
    request.set_level(*parsed);
  }
  v1::ListContactsResponse result;
  if (grpc::Status status = ListAll(request, &result); !status.ok()) {
    return RpcError(status);
  }
  if (JsonOutput()) {
    PrintJson(result);
  } else {
    ContactsTable(result.contacts()).Print(std::cout);
  }
  return kExitOk;
}

int RunContactsGet(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::GetContactRequest request;
  request.set_name(ContactName(in.args[0], in.args[1]));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Contact contact;
  grpc::Status status =
      NewRegistryStub()->GetContact(&context, request, &contact);
  if (!status.ok()) return RpcError(status);
  PrintContact(contact);
  return kExitOk;
}

int RunContactsCreate(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::CreateContactRequest request;
  request.set_parent(AccountName(in.args[0]));
  v1::Contact* contact = request.mutable_contact();
  if (const std::string id = absl::GetFlag(FLAGS_id); !id.empty()) {
    if (absl::Status s = CheckId(id); !s.ok()) {
      return UsageError(FlagError("id", s).message());
    }
    contact->set_contact_id(id);
  }
  google::protobuf::FieldMask unused;
  if (absl::Status s = ContactFromFlags(in, in.args[0], contact, &unused);
      !s.ok()) {
    return UsageError(s.message());
  }
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Contact created;
  grpc::Status status =
      NewRegistryStub()->CreateContact(&context, request, &created);
  if (!status.ok()) return RpcError(status);
  PrintContact(created);
  return kExitOk;
}

int RunContactsUpdate(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::UpdateContactRequest request;
  request.mutable_contact()->set_name(ContactName(in.args[0], in.args[1]));
  if (absl::Status s =
          ContactFromFlags(in, in.args[0], request.mutable_contact(),
                           request.mutable_update_mask());
      !s.ok()) {
    return UsageError(s.message());
  }
  if (request.update_mask().paths().empty()) {
    return UsageError(
        "contacts update: nothing to change; give the flags of the fields to "
        "set, e.g. --attitude=supportive");
  }
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::Contact updated;
  grpc::Status status =
      NewRegistryStub()->UpdateContact(&context, request, &updated);
  if (!status.ok()) return RpcError(status);
  PrintContact(updated);
  return kExitOk;
}

int RunContactsDelete(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::DeleteContactRequest request;
  request.set_name(ContactName(in.args[0], in.args[1]));
  request.set_etag(absl::GetFlag(FLAGS_etag));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::DeleteContactResponse response;
  grpc::Status status =
      NewRegistryStub()->DeleteContact(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    std::cout << "deleted " << request.name() << "\n";
  }
  return kExitOk;
}

int RunContactsOrgChart(const Invocation& in) {
  if (absl::Status s = CheckIds(in); !s.ok()) return UsageError(s.message());
  v1::ListContactsRequest request;
  request.set_parent(AccountName(in.args[0]));
  v1::ListContactsResponse result;
  if (grpc::Status status = ListAll(request, &result); !status.ok()) {
    return RpcError(status);
  }
  if (JsonOutput()) {
    PrintJson(result);  // reports_to carries the tree
  } else {
    OrgChartTable(result.contacts()).Print(std::cout);
  }
  return kExitOk;
}

}  // namespace kam::kamctl
