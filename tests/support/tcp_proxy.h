#ifndef KAM_TESTS_SUPPORT_TCP_PROXY_H_
#define KAM_TESTS_SUPPORT_TCP_PROXY_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace kam::test_support {

// TcpProxy forwards loopback TCP connections to a target, and can make the
// connections it carries half-open: Freeze() stops forwarding on every open
// connection in both directions while keeping both sockets open, as when a
// peer vanishes without a FIN or RST (a host lost, a NAT or firewall
// dropping state). Connections accepted afterwards are forwarded normally,
// so a client that notices and reconnects gets through again.
//
//   auto proxy = TcpProxy::Start("127.0.0.1:4711");
//   channel = CreateChannel((*proxy)->address(), ...);
//   (*proxy)->Freeze();
class TcpProxy {
 public:
  // Listens on 127.0.0.1 port 0 and forwards to `target` ("127.0.0.1:P").
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(
      const std::string& target);
  // Closes every connection and stops.
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // "127.0.0.1:port" to connect to.
  const std::string& address() const { return address_; }
  // Every connection open now goes silent, its sockets left open.
  void Freeze();
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  struct Connection;
  TcpProxy() = default;
  void AcceptLoop();
  void Pump(std::shared_ptr<Connection> connection);

  int listen_fd_ = -1;
  int target_port_ = 0;
  std::string address_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Connection>> connections_;  // guarded by mu_
  std::vector<std::thread> pumps_;                        // guarded by mu_
};

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_TCP_PROXY_H_
