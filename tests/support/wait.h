#ifndef KAM_TESTS_SUPPORT_WAIT_H_
#define KAM_TESTS_SUPPORT_WAIT_H_

#include <functional>

#include "absl/time/time.h"

namespace kam::test_support {

// WaitUntil polls `condition` every `interval` until it returns true or
// `timeout` has passed, and returns the last result. The condition is always
// evaluated at least once and once more at the deadline, so a slow machine
// only makes a passing test slower, never a failing one pass.
//
// Example:
//   ASSERT_TRUE(WaitUntil([&] { return consumer.cursor() >= 7; },
//                         absl::Seconds(10)));
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration interval = absl::Milliseconds(10));

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_WAIT_H_
