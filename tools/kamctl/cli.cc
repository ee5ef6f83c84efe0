#include "tools/kamctl/cli.h"

#include <chrono>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "tools/kamctl/flags.h"

namespace kam::kamctl {

int UsageError(absl::string_view message) {
  std::cerr << "kamctl: " << message << "\n"
            << "Run 'kamctl help' for the list of commands.\n";
  return kExitUsage;
}

std::string StatusCodeName(int code) {
  const std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", code) : name;
}

int RpcError(const grpc::Status& status) {
  std::cerr << "kamctl: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return kExitFailure;
}

bool JsonOutput() { return absl::GetFlag(FLAGS_output) == "json"; }

void PrintJson(const google::protobuf::Message& message, bool one_line) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !one_line;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "kamctl: cannot print " << message.GetTypeName()
              << " as JSON: " << status.ToString() << "\n";
    return;
  }
  if (!json.empty() && json.back() == '\n') json.pop_back();
  std::cout << json << std::endl;
}

std::shared_ptr<grpc::Channel> RegistryChannel() {
  static const auto* const kChannel = new std::shared_ptr<grpc::Channel>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_registry_addr),
                          grpc::InsecureChannelCredentials()));
  return *kChannel;
}

std::unique_ptr<kam::registry::v1::Registry::Stub> NewRegistryStub() {
  return kam::registry::v1::Registry::NewStub(RegistryChannel());
}

void PrepareContext(grpc::ClientContext* context, bool with_deadline) {
  if (with_deadline) {
    context->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  }
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

}  // namespace kam::kamctl
