#ifndef KAM_TESTS_SUPPORT_HTTP_GET_H_
#define KAM_TESTS_SUPPORT_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kam::test_support {

// HttpGet fetches `path` from `host_port` ("127.0.0.1:9461" or
// "localhost:9461") with a blocking HTTP/1.0 GET and returns the body of a
// 200 response. Loopback only: any other host is INVALID_ARGUMENT. The whole
// exchange (connect, send, read to end of stream) is bounded by `timeout`
// (DEADLINE_EXCEEDED); a refused connection is UNAVAILABLE, a non-200 status
// FAILED_PRECONDITION with the status line in the message.
//
// Example:
//   absl::StatusOr<std::string> text = HttpGet(metrics_address, "/metrics");
absl::StatusOr<std::string> HttpGet(const std::string& host_port,
                                    const std::string& path,
                                    absl::Duration timeout = absl::Seconds(5));

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_HTTP_GET_H_
