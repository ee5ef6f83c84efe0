#ifndef KAM_COMMON_METRICS_H_
#define KAM_COMMON_METRICS_H_

#include <array>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace kam {

// Metrics owns a service's Prometheus registry and its /metrics endpoint,
// and the per-RPC metrics every kam server exports:
//   kam_grpc_server_handled_total{grpc_service,grpc_method,grpc_code}
//   kam_grpc_server_handling_seconds{grpc_service,grpc_method}
// Label values are bounded: services and methods come from the compiled
// contracts (a call to any other name counts as grpc_service="unknown",
// grpc_method="unknown"), codes from the 17 gRPC codes.
class Metrics {
 public:
  Metrics();
  ~Metrics();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  // Exports `collectable` too (scraped with the registry), from now on.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Serves /metrics on `address` ("host:port"; port 0 picks a free one).
  absl::Status Serve(const std::string& address);
  // The bound port, or 0 if not serving.
  int port() const;

  // Records one finished RPC. `full_method` is "/package.Service/Method".
  void RecordRpc(const char* full_method, grpc::StatusCode code,
                 double seconds);

  // An interceptor factory that calls RecordRpc for every call the server
  // handles. The factory keeps a pointer to this Metrics.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // Latency buckets fine enough for sub-millisecond calls, up to 10 s.
  static const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

 private:
  struct MethodMetrics {
    std::array<prometheus::Counter*, 17> handled{};
    prometheus::Histogram* latency = nullptr;
  };
  MethodMetrics* ForMethod(const char* full_method);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  // Kept alive here; the exposer holds weak references.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  prometheus::Family<prometheus::Counter>* handled_;
  prometheus::Family<prometheus::Histogram>* handling_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kam

#endif  // KAM_COMMON_METRICS_H_
