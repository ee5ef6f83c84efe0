// bench_echo_server: the baseline server of tier_lookup_bench. It serves
// kam.bench.v1.Echo, whose messages have the shapes of scoring's GetTier and
// BatchGetTiers, with handlers that look nothing up: each answer is the
// request's account(s) with fixed tier, source, effective time and score.
//
// Two ways to serve, so that a lookup's cost can be split:
//   (default)     a bare callback-API grpc::Server: gRPC alone.
//   --kam_host    through kam::ServiceHost and kam::Serve, exactly as
//                 kam-scoring serves GetTier (the metrics interceptor, health
//                 and reflection services, the auth check of
//                 --auth_tokens_file), with an echo body instead of the
//                 ScoreBook.
//
// It takes the flags every kam server takes (--listen, --port_file, ...), so
// the integration-test harness starts it like kam-scoring. Loopback only
// without --auth_tokens_file, like kam's servers. Exits on SIGTERM/SIGINT.
//
// Usage (tier_lookup_bench starts it itself):
//   bench_echo_server --listen=127.0.0.1:0 --port_file=/tmp/echo.port

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/handler.h"
#include "common/server.h"
#include "grpcpp/grpcpp.h"
#include "kam/bench/v1/echo.grpc.pb.h"

ABSL_FLAG(bool, kam_host, false,
          "Serve through kam::ServiceHost and kam::Serve (interceptor, auth, "
          "health, reflection) instead of a bare grpc::Server.");

namespace {

namespace bv1 = ::kam::bench::v1;

// What kam-scoring's AccountTier carries for a computed tier: a tier, the
// source COMPUTED, an effective time with microseconds, a two-decimal score.
void FillFixed(const std::string& account, bool found, bv1::EchoResponse* out) {
  out->set_account(account);
  out->set_tier(2);    // POTENTIAL_KEY
  out->set_source(1);  // COMPUTED
  out->mutable_effective_time()->set_seconds(1780000000);
  out->mutable_effective_time()->set_nanos(654321000);
  out->set_score(61.75);
  out->set_found(found);
}

class EchoService final : public bv1::Echo::CallbackService {
 public:
  // `auth` null: a bare handler, no auth check.
  explicit EchoService(const kam::Authorizer* auth) : auth_(auth) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const bv1::EchoRequest* request,
                                 bv1::EchoResponse* response) override {
    auto body = [&] {
      FillFixed(request->account(), /*found=*/false, response);
      return absl::OkStatus();
    };
    if (auth_ != nullptr) {
      return kam::Serve(context, *auth_, kam::Role::kTierReader, body);
    }
    (void)body();
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* EchoBatch(
      grpc::CallbackServerContext* context,
      const bv1::EchoBatchRequest* request,
      bv1::EchoBatchResponse* response) override {
    auto body = [&] {
      response->mutable_tiers()->Reserve(request->accounts_size());
      for (const std::string& account : request->accounts()) {
        FillFixed(account, /*found=*/true, response->add_tiers());
      }
      return absl::OkStatus();
    };
    if (auth_ != nullptr) {
      return kam::Serve(context, *auth_, kam::Role::kTierReader, body);
    }
    (void)body();
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const kam::Authorizer* const auth_;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "bench_echo_server: %s\n", status.ToString().c_str());
  return 1;
}

// The bare server: grpc::ServerBuilder defaults, the callback API, nothing
// else; writes the port file the way ServiceHost does.
int ServeBare(const kam::ServerFlags& flags) {
  EchoService service(nullptr);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(
        absl::FailedPreconditionError("cannot listen on " + flags.listen));
  }
  const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  if (!flags.port_file.empty()) {
    const std::string tmp = flags.port_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      // No metrics endpoint; the harness wants the line.
      out << "grpc=" << host << ":" << port << "\nmetrics=none\n";
    }
    if (std::rename(tmp.c_str(), flags.port_file.c_str()) != 0) {
      return Fail(
          absl::FailedPreconditionError("cannot write " + flags.port_file));
    }
  }
  std::fprintf(stderr, "bench_echo_server: bare, serving on %s:%d\n",
               host.c_str(), port);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  int signal_number = 0;
  sigwait(&signals, &signal_number);  // InitProgram blocked them
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  kam::InitProgram(argc, argv,
                   "bench_echo_server: the echo baseline of tier_lookup_bench."
                   "\nUsage: bench_echo_server [--kam_host] "
                   "[--listen=127.0.0.1:0] [--port_file=FILE]");
  const kam::ServerFlags flags =
      kam::ReadServerFlags({"127.0.0.1:0", "127.0.0.1:0", "./data/bench-echo"});
  if (!absl::GetFlag(FLAGS_kam_host)) {
    if (!kam::IsLoopback(flags.listen)) {
      return Fail(
          absl::FailedPreconditionError("bare mode listens on loopback only"));
    }
    return ServeBare(flags);
  }
  kam::ServiceHost host("bench-echo", flags);
  if (absl::Status s = host.Init(); !s.ok()) return Fail(s);
  EchoService service(&host.authorizer());
  host.Register(&service, bv1::Echo::service_full_name());
  if (absl::Status s = host.Start(); !s.ok()) return Fail(s);
  host.RunUntilSignal();
  return 0;
}
