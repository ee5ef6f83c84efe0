#include "common/metrics.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/runtime_metrics.h"
#include "google/protobuf/descriptor.h"

namespace kam {
namespace {


class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(Metrics* metrics, const char* method)
      : metrics_(metrics), method_(method), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->RecordRpc(method_, methods->GetSendStatus().error_code(),
                          absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  Metrics* const metrics_;
  const char* const method_;
  const absl::Time start_;
};

class RpcMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(metrics_, info->method());
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      handled_(&prometheus::BuildCounter()
                    .Name("kam_grpc_server_handled_total")
                    .Help("RPCs completed on the server, by method and "
                          "status code")
                    .Register(*registry_)),
      handling_(&prometheus::BuildHistogram()
                     .Name("kam_grpc_server_handling_seconds")
                     .Help("Time from receiving an RPC to sending its status")
                     .Register(*registry_)) {
  AddCollectable(std::make_shared<ProcessCollector>());
}

Metrics::~Metrics() = default;

const prometheus::Histogram::BucketBoundaries& Metrics::LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};
  return *buckets;
}

absl::Status Metrics::Serve(const std::string& address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  for (const auto& collectable : collectables_) {
    exposer_->RegisterCollectable(collectable);
  }
  return absl::OkStatus();
}

void Metrics::AddCollectable(
    std::shared_ptr<prometheus::Collectable> collectable) {
  if (exposer_ != nullptr) exposer_->RegisterCollectable(collectable);
  collectables_.push_back(std::move(collectable));
}

int Metrics::port() const {
  if (exposer_ == nullptr) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

namespace {

// True if "/package.Service/Method" names a method compiled into this
// binary. Calls to anything else (a probe, a typo, a scan) share one
// "unknown" label, so no client can grow the series without bound.
bool IsCompiledMethod(absl::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  const size_t slash = name.find('/');
  if (slash == absl::string_view::npos) return false;
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(name.substr(0, slash)));
  return service != nullptr &&
         service->FindMethodByName(std::string(name.substr(slash + 1))) !=
             nullptr;
}

}  // namespace

Metrics::MethodMetrics* Metrics::ForMethod(const char* full_method) {
  absl::string_view name(full_method == nullptr ? "" : full_method);
  if (!IsCompiledMethod(name)) name = "/unknown/unknown";
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = methods_.find(name);
    if (it != methods_.end()) return it->second.get();
  }
  absl::MutexLock lock(&mu_);
  auto& slot = methods_[name];
  if (slot == nullptr) {
    // "/kam.registry.v1.Registry/GetAccount" -> service, method.
    absl::string_view trimmed = name;
    if (!trimmed.empty() && trimmed.front() == '/') trimmed.remove_prefix(1);
    const size_t slash = trimmed.find('/');
    const std::string service(trimmed.substr(0, slash));
    const std::string method(
        slash == absl::string_view::npos ? "" : trimmed.substr(slash + 1));
    slot = std::make_unique<MethodMetrics>();
    slot->latency = &handling_->Add(
        {{"grpc_service", service}, {"grpc_method", method}}, LatencyBuckets());
    // Every code of a method exists from its first call, so a rate() over
    // errors has a series to work on before the first error.
    for (int code = 0; code < 17; ++code) {
      slot->handled[code] = &handled_->Add({{"grpc_service", service},
                                            {"grpc_method", method},
                                            {"grpc_code", absl::StatusCodeToString(
                                                static_cast<absl::StatusCode>(code))}});
    }
  }
  return slot.get();
}

void Metrics::RecordRpc(const char* full_method, grpc::StatusCode code,
                        double seconds) {
  MethodMetrics* m = ForMethod(full_method);
  const int index = static_cast<int>(code);
  m->handled[index >= 0 && index < 17 ? index : 2]->Increment();
  m->latency->Observe(seconds);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::NewInterceptorFactory() {
  return std::make_unique<RpcMetricsInterceptorFactory>(this);
}

}  // namespace kam
