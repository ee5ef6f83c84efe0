#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kam::test_support {

struct TcpProxy::Connection {
  int client = -1;
  int server = -1;
  std::atomic<bool> frozen{false};
  ~Connection() {
    if (client >= 0) close(client);
    if (server >= 0) close(server);
  }
};

namespace {

// Loopback only: the proxy never listens on or connects to anything else.
sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Writes all of `data`, polling a bounded number of times; false on error.
bool WriteAll(int fd, const char* data, ssize_t size) {
  for (int tries = 0; size > 0 && tries < 1000; ++tries) {
    ssize_t n = write(fd, data, static_cast<size_t>(size));
    if (n > 0) {
      data += n;
      size -= n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, 100);
  }
  return size == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(
    const std::string& target) {
  const std::string prefix = "127.0.0.1:";
  int port = 0;
  if (target.rfind(prefix, 0) != 0 ||
      !absl::SimpleAtoi(target.substr(prefix.size()), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("TcpProxy: target must be 127.0.0.1:<port>, got ", target));
  }
  std::unique_ptr<TcpProxy> proxy(new TcpProxy());
  proxy->target_port_ = port;
  proxy->listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (proxy->listen_fd_ < 0) {
    return absl::InternalError(absl::StrCat("TcpProxy: socket: ",
                                            std::strerror(errno)));
  }
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (bind(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address),
           sizeof(address)) != 0 ||
      listen(proxy->listen_fd_, 64) != 0 ||
      getsockname(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address),
                  &length) != 0) {
    return absl::InternalError(absl::StrCat("TcpProxy: listen: ",
                                            std::strerror(errno)));
  }
  proxy->address_ = absl::StrCat(prefix, ntohs(address.sin_port));
  proxy->acceptor_ = std::thread([p = proxy.get()] { p->AcceptLoop(); });
  return proxy;
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  std::vector<std::thread> pumps;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
}

void TcpProxy::Freeze() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& connection : connections_) connection->frozen = true;
}

void TcpProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    auto connection = std::make_shared<Connection>();
    connection->client = client;
    connection->server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target = Loopback(target_port_);
    if (connection->server < 0 ||
        connect(connection->server, reinterpret_cast<sockaddr*>(&target),
                sizeof(target)) != 0) {
      continue;  // the client sees its connection closed
    }
    ++accepted_;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.push_back(connection);
    pumps_.emplace_back([this, connection] { Pump(connection); });
  }
}

void TcpProxy::Pump(std::shared_ptr<Connection> connection) {
  char buffer[16384];
  while (!stopping_) {
    if (connection->frozen) {
      // Half-open: read nothing, write nothing, close nothing.
      usleep(20000);
      continue;
    }
    pollfd fds[2] = {{connection->client, POLLIN, 0},
                     {connection->server, POLLIN, 0}};
    if (poll(fds, 2, 50) <= 0) continue;
    if (connection->frozen) continue;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const int from = i == 0 ? connection->client : connection->server;
      const int to = i == 0 ? connection->server : connection->client;
      const ssize_t n = read(from, buffer, sizeof(buffer));
      if (n <= 0 || !WriteAll(to, buffer, n)) {
        shutdown(connection->client, SHUT_RDWR);
        shutdown(connection->server, SHUT_RDWR);
        return;
      }
    }
  }
}

}  // namespace kam::test_support
