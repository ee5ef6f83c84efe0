#ifndef KAM_TESTS_KAMCTL_TEST_UTIL_H_
#define KAM_TESTS_KAMCTL_TEST_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

// Small helpers the kamctl tests share.
namespace kam::kamctl {

// Message is the message of `status` as a std::string: gmock's string
// matchers take std::string, not absl::string_view.
inline std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

// ParseTextProto reads a Proto from text format, e.g. a canned answer of a
// stand-in server. Text that does not parse fails the test; what parsed of it
// is returned all the same.
template <typename Proto>
Proto ParseTextProto(const std::string& text) {
  Proto proto;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto))
      << text;
  return proto;
}

}  // namespace kam::kamctl

#endif  // KAM_TESTS_KAMCTL_TEST_UTIL_H_
