#include "common/request_log.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "kam/common/internal/request_record.pb.h"

ABSL_FLAG(absl::Duration, request_id_retention, absl::Hours(24),
          "How long a create's or an import's request_id is remembered: a "
          "retry within it gets the first result, a retry after it is a new "
          "request. Env: KAM_REQUEST_ID_RETENTION");

namespace kam {

using common::internal::RequestRecord;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

constexpr char kSeparator = '\0';
constexpr size_t kTimeBytes = 8;
// Records written (or trimmed) per batch by Trim.
constexpr int kTrimBatch = 1000;

std::string RequestIdOf(const Message& request) {
  const FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_STRING ||
      field->is_repeated()) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

std::string StringField(const Message& message, const char* name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_STRING ||
      field->is_repeated()) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

// The message's create_time in microseconds; 0 if it has none.
int64_t CreateTimeMicros(const Message& message) {
  const FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName("create_time");
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_MESSAGE ||
      field->is_repeated() ||
      field->message_type()->full_name() != "google.protobuf.Timestamp" ||
      !message.GetReflection()->HasField(message, field)) {
    return 0;
  }
  google::protobuf::Timestamp time;
  time.CopyFrom(message.GetReflection()->GetMessage(message, field));
  return absl::ToUnixMicros(FromProtoTime(time));
}

void PutTime(absl::Time time, std::string* out) {
  const uint64_t micros = static_cast<uint64_t>(absl::ToUnixMicros(time));
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((micros >> shift) & 0xff));
  }
}

absl::Time GetTime(absl::string_view bytes) {
  uint64_t micros = 0;
  for (char c : bytes) micros = (micros << 8) | static_cast<unsigned char>(c);
  return absl::FromUnixMicros(static_cast<int64_t>(micros));
}

// A stored key split into its parts; `time` unset for the old format
// (method '\0' request_id).
struct ParsedKey {
  absl::string_view prefix;  // method '\0' request_id
  bool has_time = false;
  absl::Time time;
};

bool ParseKey(absl::string_view key, ParsedKey* parsed) {
  const size_t method_end = key.find(kSeparator);
  if (method_end == absl::string_view::npos) return false;
  // A request id is printable ASCII: the next separator ends it.
  const size_t id_end = key.find(kSeparator, method_end + 1);
  if (id_end == absl::string_view::npos) {
    parsed->prefix = key;
    parsed->has_time = false;
    return true;
  }
  if (key.size() != id_end + 1 + kTimeBytes) return false;
  parsed->prefix = key.substr(0, id_end);
  parsed->has_time = true;
  parsed->time = GetTime(key.substr(id_end + 1));
  return true;
}

absl::string_view AsView(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

}  // namespace

// The newest record of one request id.
struct RequestLog::Found {
  RequestRecord record;
  // Unset for a record of the old format, which never expires by Lookup.
  bool has_time = false;
  absl::Time time;
};

RequestLog::Options RequestLog::Options::FromFlags() {
  Options options;
  options.retention = absl::GetFlag(FLAGS_request_id_retention);
  options.trim_interval = std::max(
      absl::Seconds(1), std::min(absl::Hours(1), options.retention / 10));
  return options;
}

RequestLog::RequestLog(Store* store, rocksdb::ColumnFamilyHandle* family,
                       Clock* clock, Options options)
    : store_(store), family_(family), clock_(clock), options_(options) {
  if (options_.trim_interval > absl::ZeroDuration() &&
      options_.trim_interval != absl::InfiniteDuration()) {
    trim_thread_ = std::thread([this] { TrimLoop(); });
  }
}

RequestLog::~RequestLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (trim_thread_.joinable()) trim_thread_.join();
}

std::string RequestLog::LockKey(absl::string_view method,
                                absl::string_view request_id) {
  if (request_id.empty()) return "";
  return absl::StrCat("requests/", method, "/", request_id);
}

std::string RequestLog::Key(absl::string_view method,
                            absl::string_view request_id,
                            absl::Time time) const {
  std::string key = absl::StrCat(method, absl::string_view(&kSeparator, 1),
                                 request_id, absl::string_view(&kSeparator, 1));
  PutTime(time, &key);
  return key;
}

absl::StatusOr<bool> RequestLog::Exists(const absl::Status& get) {
  if (absl::IsNotFound(get)) return false;
  if (!get.ok()) return get;
  return true;
}

uint64_t RequestLog::Fingerprint(const Message& request) {
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  const FieldDescriptor* field =
      copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  // FNV-1a, 64 bits: stable across builds and processes (the record outlives
  // both), which absl::Hash is not.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash == 0 ? 1 : hash;
}

absl::StatusOr<bool> RequestLog::Find(absl::string_view method,
                                      absl::string_view request_id,
                                      Found* found) const {
  const std::string prefix =
      absl::StrCat(method, absl::string_view(&kSeparator, 1), request_id);
  auto it = store_->NewIterator(family_);
  bool any = false;
  std::string value;
  // Keys of this id sort together: the old-format key first, then the
  // timed ones oldest first. The newest wins.
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    ParsedKey key;
    if (!ParseKey(AsView(it->key()), &key) || key.prefix != prefix) break;
    if (any && !key.has_time) continue;
    any = true;
    found->has_time = key.has_time;
    found->time = key.time;
    value.assign(it->value().data(), it->value().size());
  }
  if (!it->status().ok()) {
    return absl::InternalError(
        absl::StrCat("reading the request log: ", it->status().ToString()));
  }
  if (!any) return false;
  found->record.Clear();
  if (!found->has_time) {
    // The old format: the whole response, nothing else.
    found->record.set_response(std::move(value));
    return true;
  }
  if (!found->record.ParseFromString(value)) {
    return absl::InternalError(absl::StrCat("the request log's record of ",
                                            method, " ", request_id,
                                            " does not parse"));
  }
  return true;
}

absl::StatusOr<bool> RequestLog::FindValid(absl::string_view method,
                                           const Message& request,
                                           absl::string_view field,
                                           Found* found) const {
  const std::string request_id = RequestIdOf(request);
  if (request_id.empty()) return false;
  KAM_ASSIGN_OR_RETURN(bool any, Find(method, request_id, found));
  if (!any) return false;
  if (found->has_time && found->time + options_.retention <= clock_->Now()) {
    return false;
  }
  const uint64_t fingerprint = found->record.fingerprint();
  if (fingerprint != 0 && fingerprint != Fingerprint(request)) {
    return InvalidField(
        field, absl::StrCat("was used for a different request (", method,
                            " with other fields); a request_id names one "
                            "request: use a new one for a new request"));
  }
  return true;
}

absl::StatusOr<bool> RequestLog::LookupCreate(absl::string_view method,
                                              const Message& request,
                                              ReadResource read,
                                              Message* resource,
                                              absl::string_view field) const {
  Found found;
  KAM_ASSIGN_OR_RETURN(bool seen, FindValid(method, request, field, &found));
  if (!seen) return false;
  std::string name = found.record.name();
  int64_t created = found.record.create_time_micros();
  if (name.empty()) {
    // The old format kept the whole resource: its name and create time.
    if (!resource->ParseFromString(found.record.response())) {
      return absl::InternalError(absl::StrCat("the request log's record of ",
                                              method, " ", RequestIdOf(request),
                                              " does not parse"));
    }
    name = StringField(*resource, "name");
    created = CreateTimeMicros(*resource);
    if (name.empty()) return true;
  }
  resource->Clear();
  KAM_ASSIGN_OR_RETURN(bool exists, read(name, resource));
  // A resource of that name created at another time is another resource:
  // the one this request created was deleted.
  if (!exists || (created != 0 && CreateTimeMicros(*resource) != 0 &&
                  CreateTimeMicros(*resource) != created)) {
    resource->Clear();
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": this request already created ", name,
        ", which has since been deleted; use a new request_id to create it "
        "again"));
  }
  return true;
}

void RequestLog::RecordCreate(rocksdb::WriteBatch* batch,
                              absl::string_view method, const Message& request,
                              const Message& resource) const {
  const std::string request_id = RequestIdOf(request);
  if (request_id.empty()) return;
  RequestRecord record;
  record.set_fingerprint(Fingerprint(request));
  record.set_name(StringField(resource, "name"));
  record.set_etag(StringField(resource, "etag"));
  record.set_create_time_micros(CreateTimeMicros(resource));
  PutProto(batch, family_, Key(method, request_id, clock_->Now()), record);
}

absl::StatusOr<bool> RequestLog::Lookup(absl::string_view method,
                                        const Message& request,
                                        Message* response,
                                        absl::string_view field) const {
  Found found;
  KAM_ASSIGN_OR_RETURN(bool seen, FindValid(method, request, field, &found));
  if (!seen) return false;
  if (!response->ParseFromString(found.record.response())) {
    return absl::InternalError(absl::StrCat("the request log's record of ",
                                            method, " ", RequestIdOf(request),
                                            " does not parse"));
  }
  return true;
}

void RequestLog::Record(rocksdb::WriteBatch* batch, absl::string_view method,
                        const Message& request, const Message& response) const {
  const std::string request_id = RequestIdOf(request);
  if (request_id.empty()) return;
  RequestRecord record;
  record.set_fingerprint(Fingerprint(request));
  record.set_response(response.SerializeAsString());
  PutProto(batch, family_, Key(method, request_id, clock_->Now()), record);
}

absl::StatusOr<int> RequestLog::Trim() {
  const absl::Time now = clock_->Now();
  int removed = 0;
  rocksdb::WriteBatch batch;
  auto flush = [&]() -> absl::Status {
    if (batch.Count() == 0) return absl::OkStatus();
    absl::Status s = store_->Write(&batch);
    batch.Clear();
    return s;
  };
  // The iterator reads a snapshot: records written meanwhile are newer keys,
  // which this pass never deletes.
  auto it = store_->NewIterator(family_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedKey key;
    if (!ParseKey(AsView(it->key()), &key)) continue;
    if (key.has_time) {
      if (key.time + options_.retention > now) continue;
      batch.Delete(family_, it->key());
      ++removed;
    } else {
      // The old format: keep the response, give it a time. A retry in
      // flight finds the old or the new key (one batch), and so never
      // records a second one.
      RequestRecord record;
      record.set_response(it->value().data(), it->value().size());
      std::string timed(key.prefix);
      timed.push_back(kSeparator);
      PutTime(now, &timed);
      PutProto(&batch, family_, timed, record);
      batch.Delete(family_, it->key());
    }
    if (static_cast<int>(batch.Count()) >= kTrimBatch) {
      KAM_RETURN_IF_ERROR(flush());
    }
  }
  if (!it->status().ok()) {
    return absl::InternalError(
        absl::StrCat("trimming the request log: ", it->status().ToString()));
  }
  KAM_RETURN_IF_ERROR(flush());
  return removed;
}

void RequestLog::TrimLoop() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                               options_.trim_interval)) {
    mu_.Unlock();
    absl::StatusOr<int> trimmed = Trim();
    if (!trimmed.ok()) {
      std::fprintf(stderr, "request log: trim failed: %s\n",
                   trimmed.status().ToString().c_str());
    }
    mu_.Lock();
  }
}

}  // namespace kam
