#ifndef KAM_COMMON_REQUEST_LOG_H_
#define KAM_COMMON_REQUEST_LOG_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/store.h"
#include "google/protobuf/message.h"

namespace kam {

// RequestLog makes creates and imports idempotent (AIP-155): it remembers
// each (method, request_id) in the service's store, written in the same batch
// as the change, so a retry after a lost response (or a crash after the
// commit) gets the first result back and writes nothing twice.
//
// What it keeps is what a replay needs, not a copy of the response: for a
// create, the created resource's name, etag and create time (a replay answers
// with the resource as it is now); for a request whose response is not a
// resource (ImportRecords' report), the response. And a fingerprint of the
// request, so that a request_id reused for a different request is refused
// instead of answered with the first request's result.
//
// A record lives for Options::retention. After that Lookup treats it as
// absent (a retry creates again), and a background trim removes it.
//
// Storage: key = method '\0' request_id '\0' <record time, big-endian int64
// micros>, value = kam.common.internal.RequestRecord. The time is in the key
// so the trim reads no value and can never remove a newer record of the same
// id (a retry after expiry writes a new key). Records written before this
// format (key without time, value = the whole response) are still answered
// from, and the trim stamps them with the time it first sees them, so they
// expire one retention after the upgrade.
//
// Lookup and Record must run under the lock of LockKey(method, request_id)
// (a ChangeFeed::Writer or LockTable holding it), so two concurrent retries
// cannot both miss. The trim needs no lock.
class RequestLog {
 public:
  struct Options {
    // How long a request id is remembered (--request_id_retention).
    absl::Duration retention = absl::Hours(24);
    // How often the background trim runs; zero or infinite: never (tests
    // call Trim()).
    absl::Duration trim_interval = absl::Hours(1);

    // retention from --request_id_retention, trim_interval the smaller of
    // an hour and a tenth of it.
    static Options FromFlags();
  };

  // `store`, `family` and `clock` must outlive the RequestLog. Starts the
  // background trim (see Options::trim_interval).
  RequestLog(Store* store, rocksdb::ColumnFamilyHandle* family, Clock* clock,
             Options options = Options::FromFlags());
  // Stops the trim, waiting for a running one to finish.
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // The LockTable key that serialises requests with this id; empty for an
  // empty id (no idempotency asked, nothing to lock).
  static std::string LockKey(absl::string_view method,
                             absl::string_view request_id);

  // Reads the resource named `name` as it is now into *resource; false if it
  // does not exist.
  using ReadResource = absl::FunctionRef<absl::StatusOr<bool>(
      const std::string& name, google::protobuf::Message* resource)>;

  // Exists turns the status of a service's Get (NOT_FOUND when absent) into
  // a ReadResource's answer: true, false, or the error.
  static absl::StatusOr<bool> Exists(const absl::Status& get);

  // LookupCreate: for a create whose request carries a `request_id` field.
  // Returns false if the request was not seen within the retention (or has no
  // request_id); true with *resource = the created resource as it is now
  // (read with `read`) if it was. Errors, naming `field` (the request_id's
  // path):
  //   INVALID_ARGUMENT if the id was used for a different request;
  //   FAILED_PRECONDITION if the resource it created has since been deleted
  //   (or deleted and created again by another request).
  absl::StatusOr<bool> LookupCreate(
      absl::string_view method, const google::protobuf::Message& request,
      ReadResource read, google::protobuf::Message* resource,
      absl::string_view field = "request_id") const;

  // RecordCreate stages, into the batch of the change, that `request`
  // created `resource` (its name, etag and create_time fields are kept).
  void RecordCreate(rocksdb::WriteBatch* batch, absl::string_view method,
                    const google::protobuf::Message& request,
                    const google::protobuf::Message& resource) const;

  // Lookup: for a request whose response is not a resource. True with
  // *response = the first response if the request was seen; INVALID_ARGUMENT
  // naming `field` if the id was used for a different request.
  absl::StatusOr<bool> Lookup(absl::string_view method,
                              const google::protobuf::Message& request,
                              google::protobuf::Message* response,
                              absl::string_view field = "request_id") const;

  // Record stages the response into the batch of the change it answers.
  void Record(rocksdb::WriteBatch* batch, absl::string_view method,
              const google::protobuf::Message& request,
              const google::protobuf::Message& response) const;

  // Trim removes the records older than the retention and stamps records of
  // the old format with the current time. Returns how many it removed.
  // Safe alongside requests (see the class comment).
  absl::StatusOr<int> Trim();

  // The fingerprint stored for `request`: a 64-bit FNV-1a hash of its
  // deterministic serialisation with request_id cleared; never 0.
  static uint64_t Fingerprint(const google::protobuf::Message& request);

 private:
  struct Found;

  // The newest record of (method, request_id) into *found; false if none.
  absl::StatusOr<bool> Find(absl::string_view method,
                            absl::string_view request_id, Found* found) const;
  // Find, then the checks both lookups share: expiry and fingerprint.
  absl::StatusOr<bool> FindValid(absl::string_view method,
                                 const google::protobuf::Message& request,
                                 absl::string_view field, Found* found) const;
  std::string Key(absl::string_view method, absl::string_view request_id,
                  absl::Time time) const;
  void TrimLoop();

  Store* const store_;
  rocksdb::ColumnFamilyHandle* const family_;
  Clock* const clock_;
  const Options options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread trim_thread_;
};

}  // namespace kam

#endif  // KAM_COMMON_REQUEST_LOG_H_
