// kamctl financials ...: list, record.

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "tools/kamctl/commands.h"
#include "tools/kamctl/flags.h"
#include "tools/kamctl/money.h"
#include "tools/kamctl/records.h"
#include "tools/kamctl/views.h"

namespace kam::kamctl {

int RunFinancialsList(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  v1::ListFinancialFactsRequest request;
  request.set_parent(AccountName(in.args[0]));
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::ListFinancialFactsResponse response;
  grpc::Status status =
      NewRegistryStub()->ListFinancialFacts(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(response);
  } else {
    FinancialsTable(response.facts()).Print(std::cout);
  }
  return kExitOk;
}

int RunFinancialsRecord(const Invocation& in) {
  if (absl::Status s = CheckId(in.args[0]); !s.ok()) {
    return UsageError(absl::StrCat("ACCOUNT_ID ", s.message()));
  }
  for (const char* flag : {"period", "revenue", "gross_margin", "currency"}) {
    if (!in.Has(flag)) {
      return UsageError(
          absl::StrCat("financials record: --", flag, " is required"));
    }
  }
  v1::RecordFinancialFactRequest request;
  request.set_parent(AccountName(in.args[0]));
  v1::FinancialFact* fact = request.mutable_fact();
  fact->set_period(absl::GetFlag(FLAGS_period));
  const std::string currency = absl::GetFlag(FLAGS_currency);
  struct Amount {
    const char* flag;
    std::string text;
    kam::common::v1::Money* out;
  };
  for (const Amount& amount :
       {Amount{"revenue", absl::GetFlag(FLAGS_revenue),
               fact->mutable_revenue()},
        Amount{"gross_margin", absl::GetFlag(FLAGS_gross_margin),
               fact->mutable_gross_margin()},
        Amount{"cost_to_serve", absl::GetFlag(FLAGS_cost_to_serve),
               fact->mutable_cost_to_serve()}}) {
    if (amount.text.empty() && std::string(amount.flag) == "cost_to_serve") {
      continue;
    }
    auto minor = ParseMinorUnits(amount.text);
    if (!minor.ok()) {
      return UsageError(
          absl::StrCat("--", amount.flag, ": ", minor.status().message()));
    }
    auto money = ParseMoney(amount.text, currency);
    if (!money.ok()) {
      return UsageError(absl::StrCat("--currency: ", money.status().message()));
    }
    *amount.out = *money;
  }
  if (fact->cost_to_serve().currency_code().empty())
    fact->clear_cost_to_serve();

  grpc::ClientContext context;
  PrepareContext(&context);
  v1::FinancialFact recorded;
  grpc::Status status =
      NewRegistryStub()->RecordFinancialFact(&context, request, &recorded);
  if (!status.ok()) return RpcError(status);
  if (JsonOutput()) {
    PrintJson(recorded);
  } else {
    google::protobuf::RepeatedPtrField<v1::FinancialFact> facts;
    *facts.Add() = recorded;
    FinancialsTable(facts).Print(std::cout);
  }
  return kExitOk;
}

}  // namespace kam::kamctl
