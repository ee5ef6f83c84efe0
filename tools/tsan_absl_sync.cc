// tsan_absl_sync: makes Debian's prebuilt absl::Mutex, CondVar and
// Notification visible to ThreadSanitizer (tools/sanitize.sh thread only).
//
// Debian builds Abseil without -fsanitize=thread, so its Mutex is a futex
// and some atomics TSan never sees: every kam field guarded by an
// absl::Mutex (and everything gRPC hands over through its absl-based locks)
// would be reported as a race. This library, linked ahead of Abseil into
// every executable of a KAM_SANITIZE=thread build, interposes the public
// entry points, tells TSan what they do with its mutex annotations
// (<sanitizer/tsan_interface.h>, the same calls Abseil makes when it is
// built with TSan), and calls the real function, found with
// dlsym(RTLD_NEXT). Calls from inside Abseil and gRPC go through the PLT and
// are interposed as well.
//
// A wait (Await, LockWhen, CondVar::Wait) releases and re-takes the mutex
// inside Abseil; it is told to TSan as an unlock before the call and a lock
// after it, which gives the same happens-before edges. Await and
// CondVar::Wait are assumed to hold the mutex exclusively (kam never waits
// under a reader lock).

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

#define KAM_STRINGIFY_INNER(x) #x
#define KAM_STRINGIFY(x) KAM_STRINGIFY_INNER(x)

namespace {

// The Itanium-mangled name of absl::<inline namespace>::<rest>.
std::string Mangled(const char* rest, bool is_const = false) {
  const std::string ns = KAM_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return std::string(is_const ? "_ZNK4absl" : "_ZN4absl") +
         std::to_string(ns.size()) + ns + rest;
}

template <typename Fn>
Fn Real(const char* rest, bool is_const = false) {
  const std::string name = Mangled(rest, is_const);
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found in Abseil\n",
                 name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

using MutexFn = void (*)(absl::Mutex*);
using MutexTryFn = bool (*)(absl::Mutex*);
using MutexCondFn = void (*)(absl::Mutex*, const absl::Condition&);
using MutexCondTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                    absl::Duration);
using MutexCondDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                     absl::Time);
using CondVarWaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using CondVarTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using CondVarDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);
using NotifyFn = void (*)(absl::Notification*);
using WaitFn = void (*)(const absl::Notification*);
using WaitTimeoutFn = bool (*)(const absl::Notification*, absl::Duration);
using WaitDeadlineFn = bool (*)(const absl::Notification*, absl::Time);

constexpr unsigned kRead = __tsan_mutex_read_lock;
constexpr unsigned kTry = __tsan_mutex_try_lock;
constexpr unsigned kTryFailed = __tsan_mutex_try_lock_failed;

void Locked(void* mu, unsigned flags) {
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
}

void Unlocking(void* mu, unsigned flags) {
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
}

// Abseil's entry points call each other (WaitWithTimeout calls
// WaitWithDeadline, Notify takes its Mutex), and those inner calls go
// through the PLT too: only the outermost interposed call of a thread
// annotates.
thread_local int depth = 0;

class Outermost {
 public:
  Outermost() : outermost_(depth++ == 0) {}
  ~Outermost() { --depth; }
  Outermost(const Outermost&) = delete;
  Outermost& operator=(const Outermost&) = delete;
  bool operator()() const { return outermost_; }

 private:
  const bool outermost_;
};

// Abseil evaluates a waiter's Condition with the mutex held, in whichever
// thread holds it then (often the one unlocking); TSan, told the mutex is
// released, must see that thread hold it for the evaluation.
struct HeldCondition {
  const absl::Condition* condition;
  absl::Mutex* mu;
  unsigned flags;

  static bool Eval(HeldCondition* held) {
    Locked(held->mu, held->flags);
    const bool met = held->condition->Eval();
    Unlocking(held->mu, held->flags);
    return met;
  }
};

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

Mutex::~Mutex() {
  static const auto real = Real<MutexFn>("5MutexD2Ev");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_destroy(this, 0);
  real(this);
}

void Mutex::Lock() {
  static const auto real = Real<MutexFn>("5Mutex4LockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_lock(this, 0);
  real(this);
  if (outermost()) __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::Unlock() {
  static const auto real = Real<MutexFn>("5Mutex6UnlockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_unlock(this, 0);
  real(this);
  if (outermost()) __tsan_mutex_post_unlock(this, 0);
}

bool Mutex::TryLock() {
  static const auto real = Real<MutexTryFn>("5Mutex7TryLockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_lock(this, kTry);
  const bool locked = real(this);
  if (outermost()) {
    __tsan_mutex_post_lock(this, kTry | (locked ? 0 : kTryFailed), 0);
  }
  return locked;
}

void Mutex::ReaderLock() {
  static const auto real = Real<MutexFn>("5Mutex10ReaderLockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_lock(this, kRead);
  real(this);
  if (outermost()) __tsan_mutex_post_lock(this, kRead, 0);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<MutexFn>("5Mutex12ReaderUnlockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_unlock(this, kRead);
  real(this);
  if (outermost()) __tsan_mutex_post_unlock(this, kRead);
}

bool Mutex::ReaderTryLock() {
  static const auto real = Real<MutexTryFn>("5Mutex13ReaderTryLockEv");
  const Outermost outermost;
  if (outermost()) __tsan_mutex_pre_lock(this, kRead | kTry);
  const bool locked = real(this);
  if (outermost()) {
    __tsan_mutex_post_lock(this, kRead | kTry | (locked ? 0 : kTryFailed), 0);
  }
  return locked;
}

// The waits. `unlock_first`: the caller holds the mutex (Await); otherwise
// it does not (LockWhen). `flags`: how it is held on return.
template <typename Call>
auto Wait(Mutex* mu, const Condition* cond, bool unlock_first, unsigned flags,
          Call call) {
  const Outermost outermost;
  if (!outermost()) return call(cond);
  HeldCondition held{cond, mu, flags};
  const Condition annotated(&HeldCondition::Eval, &held);
  if (unlock_first) Unlocking(mu, flags);
  auto result = call(cond == nullptr ? nullptr : &annotated);
  Locked(mu, flags);
  return result;
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real =
      Real<MutexCondFn>("5Mutex8LockWhenERKNS0_9ConditionE");
  Wait(this, &cond, false, 0, [&](const Condition* c) {
    real(this, *c);
    return true;
  });
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real =
      Real<MutexCondFn>("5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  Wait(this, &cond, false, kRead, [&](const Condition* c) {
    real(this, *c);
    return true;
  });
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real = Real<MutexCondTimeoutFn>(
      "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Wait(this, &cond, false, 0,
              [&](const Condition* c) { return real(this, *c, timeout); });
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<MutexCondDeadlineFn>(
      "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Wait(this, &cond, false, 0,
              [&](const Condition* c) { return real(this, *c, deadline); });
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond,
                                      absl::Duration timeout) {
  static const auto real = Real<MutexCondTimeoutFn>(
      "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Wait(this, &cond, false, kRead,
              [&](const Condition* c) { return real(this, *c, timeout); });
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond,
                                       absl::Time deadline) {
  static const auto real = Real<MutexCondDeadlineFn>(
      "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Wait(this, &cond, false, kRead,
              [&](const Condition* c) { return real(this, *c, deadline); });
}

void Mutex::Await(const Condition& cond) {
  static const auto real = Real<MutexCondFn>("5Mutex5AwaitERKNS0_9ConditionE");
  Wait(this, &cond, true, 0, [&](const Condition* c) {
    real(this, *c);
    return true;
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real = Real<MutexCondTimeoutFn>(
      "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Wait(this, &cond, true, 0,
              [&](const Condition* c) { return real(this, *c, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<MutexCondDeadlineFn>(
      "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Wait(this, &cond, true, 0,
              [&](const Condition* c) { return real(this, *c, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<CondVarWaitFn>("7CondVar4WaitEPNS0_5MutexE");
  absl::Wait(mu, nullptr, true, 0, [&](const Condition*) {
    real(this, mu);
    return true;
  });
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  static const auto real = Real<CondVarTimeoutFn>(
      "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  return absl::Wait(mu, nullptr, true, 0,
                    [&](const Condition*) { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Real<CondVarDeadlineFn>(
      "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  return absl::Wait(mu, nullptr, true, 0,
                    [&](const Condition*) { return real(this, mu, deadline); });
}

// Notify stores a flag that waiters may read without the mutex.
void Notification::Notify() {
  static const auto real = Real<NotifyFn>("12Notification6NotifyEv");
  const Outermost outermost;
  if (outermost()) __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real =
      Real<WaitFn>("12Notification19WaitForNotificationEv", true);
  const Outermost outermost;
  real(this);
  if (outermost()) __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(
    absl::Duration timeout) const {
  static const auto real = Real<WaitTimeoutFn>(
      "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE", true);
  const Outermost outermost;
  const bool notified = real(this, timeout);
  if (notified && outermost()) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  static const auto real = Real<WaitDeadlineFn>(
      "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE", true);
  const Outermost outermost;
  const bool notified = real(this, deadline);
  if (notified && outermost()) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
