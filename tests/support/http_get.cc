#include "tests/support/http_get.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace kam::test_support {
namespace {

// Closes the socket on every path out of HttpGet.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
absl::Status PollUntil(int fd, short events, absl::Time deadline,
                       absl::string_view what) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("HTTP GET: ", what, " timed out"));
    }
    pollfd p{fd, events, 0};
    const int ready =
        poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::InternalError(
          absl::StrCat("HTTP GET: poll: ", std::strerror(errno)));
    }
  }
}

// Decodes a "Transfer-Encoding: chunked" body.
absl::StatusOr<std::string> Dechunk(absl::string_view body) {
  std::string out;
  while (true) {
    const size_t line_end = body.find("\r\n");
    if (line_end == absl::string_view::npos) {
      return absl::DataLossError("HTTP GET: truncated chunked body");
    }
    absl::string_view size_text = body.substr(0, line_end);
    size_text = size_text.substr(0, size_text.find(';'));
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return absl::DataLossError("HTTP GET: bad chunk size");
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) return out;
    if (body.size() < size) {
      return absl::DataLossError("HTTP GET: truncated chunk");
    }
    out.append(body.data(), size);
    body.remove_prefix(size);
    if (absl::StartsWith(body, "\r\n")) body.remove_prefix(2);
  }
}

}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& host_port,
                                    const std::string& path,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP GET: want host:port, got \"", host_port, "\""));
  }
  const std::string host = host_port.substr(0, colon);
  int port = 0;
  if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP GET: bad port in \"", host_port, "\""));
  }
  if (host != "127.0.0.1" && host != "localhost") {
    return absl::InvalidArgumentError(absl::StrCat(
        "HTTP GET: only loopback (127.0.0.1) is allowed, got \"", host, "\""));
  }

  Socket socket(
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    return absl::InternalError(
        absl::StrCat("HTTP GET: socket: ", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address),
              sizeof(address)) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(absl::StrCat(
          "HTTP GET: connect to ", host_port, ": ", std::strerror(errno)));
    }
    absl::Status ready = PollUntil(socket.fd(), POLLOUT, deadline, "connect");
    if (!ready.ok()) return ready;
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      return absl::UnavailableError(absl::StrCat(
          "HTTP GET: connect to ", host_port, ": ", std::strerror(error)));
    }
  }

  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host_port,
                   "\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    absl::Status ready = PollUntil(socket.fd(), POLLOUT, deadline, "send");
    if (!ready.ok()) return ready;
    const ssize_t n = send(socket.fd(), request.data() + sent,
                           request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("HTTP GET: send: ", std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }

  std::string response;
  char buffer[16384];
  while (true) {
    absl::Status ready = PollUntil(socket.fd(), POLLIN, deadline, "read");
    if (!ready.ok()) return ready;
    const ssize_t n = recv(socket.fd(), buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("HTTP GET: recv: ", std::strerror(errno)));
    }
    response.append(buffer, static_cast<size_t>(n));
  }

  const size_t header_end = response.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    return absl::DataLossError("HTTP GET: response without a header end");
  }
  const absl::string_view head(response.data(), header_end);
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  const absl::string_view status_line = lines.front();
  std::vector<absl::string_view> status_parts =
      absl::StrSplit(status_line, absl::MaxSplits(' ', 2));
  if (status_parts.size() < 2 || !absl::StartsWith(status_parts[0], "HTTP/") ||
      status_parts[1] != "200") {
    return absl::FailedPreconditionError(
        absl::StrCat("HTTP GET ", path, ": ", status_line));
  }
  bool chunked = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (absl::StartsWithIgnoreCase(lines[i], "transfer-encoding:") &&
        absl::StrContains(absl::AsciiStrToLower(lines[i]), "chunked")) {
      chunked = true;
    }
  }
  const absl::string_view body =
      absl::string_view(response).substr(header_end + 4);
  if (chunked) return Dechunk(body);
  return std::string(body);
}

}  // namespace kam::test_support
