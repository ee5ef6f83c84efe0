#include "common/request_log.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "kam/common/internal/request_record.pb.h"
#include "kam/registry/v1/registry.pb.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

namespace rv1 = ::kam::registry::v1;

const absl::Time kStart = absl::FromUnixSeconds(1796000000);  // 2026-11-29

// A store with a requests family, a fake clock, a RequestLog without a
// background trim, and "accounts" kept in a map standing for the service's
// own resources.
class RequestLogTest : public ::testing::Test {
 protected:
  RequestLogTest() : clock_(kStart) {
    Store::Options options;
    options.path = dir_.path();
    options.column_families = {"requests"};
    auto store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    log_ = MakeLog();
  }

  std::unique_ptr<RequestLog> MakeLog() {
    RequestLog::Options options;
    options.retention = absl::Hours(24);
    options.trim_interval = absl::ZeroDuration();
    return std::make_unique<RequestLog>(store_.get(), family(), &clock_,
                                        options);
  }

  rocksdb::ColumnFamilyHandle* family() { return store_->Family("requests"); }

  static rv1::CreateAccountRequest Request(const std::string& request_id,
                                           const std::string& display_name) {
    rv1::CreateAccountRequest request;
    request.set_request_id(request_id);
    request.mutable_account()->set_account_id("acme");
    request.mutable_account()->set_display_name(display_name);
    return request;
  }

  // What the service does on a create: look up, else create and record.
  absl::StatusOr<bool> Lookup(const rv1::CreateAccountRequest& request,
                              rv1::Account* out) {
    return log_->LookupCreate(
        "CreateAccount", request,
        [&](const std::string& name, google::protobuf::Message* resource) {
          auto it = accounts_.find(name);
          if (it == accounts_.end()) return absl::StatusOr<bool>(false);
          resource->CopyFrom(it->second);
          return absl::StatusOr<bool>(true);
        },
        out);
  }

  rv1::Account Create(const rv1::CreateAccountRequest& request) {
    rv1::Account account = request.account();
    account.set_name("accounts/" + account.account_id());
    account.set_etag("etag-1");
    *account.mutable_create_time() = ToProtoTime(clock_.Now());
    accounts_[account.name()] = account;
    rocksdb::WriteBatch batch;
    log_->RecordCreate(&batch, "CreateAccount", request, account);
    EXPECT_TRUE(store_->Write(&batch).ok());
    return account;
  }

  // Every stored key and value of the requests family.
  std::map<std::string, std::string> Stored() {
    std::map<std::string, std::string> out;
    auto it = store_->NewIterator(family());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[it->key().ToString()] = it->value().ToString();
    }
    return out;
  }

  test_support::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RequestLog> log_;
  std::map<std::string, rv1::Account> accounts_;
};

TEST_F(RequestLogTest, ReplayAnswersWithTheResourceAsItIsNow) {
  const auto request = Request("r-1", "Acme");
  rv1::Account out;
  ASSERT_EQ(Lookup(request, &out).value(), false);
  Create(request);
  accounts_["accounts/acme"].set_display_name("Acme Renamed");
  accounts_["accounts/acme"].set_etag("etag-2");

  clock_.Advance(absl::Hours(23));
  ASSERT_EQ(Lookup(request, &out).value(), true);
  EXPECT_EQ(out.name(), "accounts/acme");
  EXPECT_EQ(out.display_name(), "Acme Renamed");
  EXPECT_EQ(out.etag(), "etag-2");
}

TEST_F(RequestLogTest, RequestWithoutIdIsNeverSeenNorRecorded) {
  const auto request = Request("", "Acme");
  Create(request);
  rv1::Account out;
  EXPECT_EQ(Lookup(request, &out).value(), false);
  EXPECT_TRUE(Stored().empty());
}

TEST_F(RequestLogTest, SameIdForADifferentRequestIsInvalidArgument) {
  Create(Request("r-1", "Acme"));
  rv1::Account out;
  auto seen = Lookup(Request("r-1", "Acme Corp"), &out);
  ASSERT_FALSE(seen.ok());
  EXPECT_EQ(seen.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(seen.status().message(),
                               "request_id: was used for a different request"))
      << seen.status();
  // The batch item's path is named as given.
  auto item = log_->LookupCreate(
      "CreateAccount", Request("r-1", "Other"),
      [](const std::string&, google::protobuf::Message*) {
        return absl::StatusOr<bool>(true);
      },
      &out, "requests[3].request_id");
  EXPECT_TRUE(absl::StartsWith(item.status().message(),
                               "requests[3].request_id: was used"))
      << item.status();
  // The same id under another method is another request.
  rv1::ImportRecordsResponse report;
  rv1::ImportRecordsRequest import;
  import.set_request_id("r-1");
  EXPECT_EQ(log_->Lookup("ImportRecords", import, &report).value(), false);
}

TEST_F(RequestLogTest, ReplayAfterDeleteIsFailedPrecondition) {
  const auto request = Request("r-1", "Acme");
  Create(request);
  accounts_.erase("accounts/acme");
  rv1::Account out;
  auto seen = Lookup(request, &out);
  ASSERT_EQ(seen.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(seen.status().message(),
            "request_id: this request already created accounts/acme, which "
            "has since been deleted; use a new request_id to create it again");

  // Deleted and created again by another request: still not this one's.
  clock_.Advance(absl::Minutes(5));
  Create(Request("r-2", "Acme"));
  EXPECT_EQ(Lookup(request, &out).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Lookup(Request("r-2", "Acme"), &out).value(), true);
}

TEST_F(RequestLogTest, ExpiredIdIsAbsentAndTrimRemovesIt) {
  const auto request = Request("r-1", "Acme");
  Create(request);
  clock_.Advance(absl::Hours(12));
  Create(Request("r-2", "Acme"));
  ASSERT_EQ(Stored().size(), 2u);

  clock_.Advance(absl::Hours(12));  // r-1 is 24h old, r-2 12h
  rv1::Account out;
  EXPECT_EQ(Lookup(request, &out).value(), false);
  EXPECT_EQ(Lookup(Request("r-2", "Acme"), &out).value(), true);
  // Expired is absent: even a different body is a new request now.
  EXPECT_EQ(Lookup(Request("r-1", "Something else"), &out).value(), false);

  EXPECT_EQ(log_->Trim().value(), 1);
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_NE(stored.begin()->first.find("r-2"), std::string::npos);

  // A retry after expiry records again, and is replayed from then on.
  accounts_.erase("accounts/acme");
  Create(request);
  EXPECT_EQ(Lookup(request, &out).value(), true);
  clock_.Advance(absl::Hours(30));
  EXPECT_EQ(log_->Trim().value(), 2);
  EXPECT_TRUE(Stored().empty());
}

TEST_F(RequestLogTest, OldFormatRecordsStillReplayAndExpireAfterTheUpgrade) {
  // The old code stored the whole response at method '\0' request_id.
  rv1::Account old = Request("r-old", "Acme").account();
  old.set_name("accounts/acme");
  old.set_etag("etag-1");
  *old.mutable_create_time() = ToProtoTime(kStart - absl::Hours(100));
  accounts_[old.name()] = old;
  accounts_[old.name()].set_etag("etag-2");
  rv1::ImportRecordsResponse old_report;
  old_report.set_created(3);
  old_report.add_results()->set_name("accounts/acme");
  rocksdb::WriteBatch batch;
  PutProto(&batch, family(), std::string("CreateAccount\0r-old", 19), old);
  PutProto(&batch, family(), std::string("ImportRecords\0r-imp", 19),
           old_report);
  ASSERT_TRUE(store_->Write(&batch).ok());

  rv1::Account out;
  // No fingerprint was kept: the old record answers whatever the body.
  ASSERT_EQ(Lookup(Request("r-old", "Anything"), &out).value(), true);
  EXPECT_EQ(out.etag(), "etag-2");  // the account as it is now
  rv1::ImportRecordsRequest import;
  import.set_request_id("r-imp");
  rv1::ImportRecordsResponse report;
  ASSERT_EQ(log_->Lookup("ImportRecords", import, &report).value(), true);
  EXPECT_EQ(report.created(), 3);

  // The trim gives them the time it first sees them...
  clock_.Advance(absl::Hours(48));
  EXPECT_EQ(log_->Trim().value(), 0);
  EXPECT_EQ(Stored().size(), 2u);
  ASSERT_EQ(Lookup(Request("r-old", "Anything"), &out).value(), true);
  report.Clear();
  ASSERT_EQ(log_->Lookup("ImportRecords", import, &report).value(), true);
  EXPECT_EQ(report.created(), 3);
  // ...and they expire one retention later.
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Lookup(Request("r-old", "Anything"), &out).value(), false);
  EXPECT_EQ(log_->Trim().value(), 2);
  EXPECT_TRUE(Stored().empty());
}

TEST_F(RequestLogTest, ReportOfANonResourceResponseIsKept) {
  rv1::ImportRecordsRequest import;
  import.set_request_id("imp-1");
  import.add_accounts()->set_account_id("acme");
  rv1::ImportRecordsResponse report;
  auto* result = report.add_results();
  result->set_kind("accounts");
  result->set_name("accounts/acme");
  result->set_outcome(rv1::ImportResult::CREATED);
  report.set_created(1);
  rocksdb::WriteBatch batch;
  log_->Record(&batch, "ImportRecords", import, report);
  ASSERT_TRUE(store_->Write(&batch).ok());

  rv1::ImportRecordsResponse replayed;
  ASSERT_EQ(log_->Lookup("ImportRecords", import, &replayed).value(), true);
  EXPECT_EQ(replayed.SerializeAsString(), report.SerializeAsString());
  import.mutable_accounts(0)->set_display_name("changed");
  EXPECT_EQ(log_->Lookup("ImportRecords", import, &replayed).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RequestLogTest, RecordOfACreateIsSmallAndKeepsNameEtagAndTime) {
  auto request = Request("r-1", "Acme Industrial Holdings");
  auto* account = request.mutable_account();
  account->set_segment("manufacturing");
  account->set_key_account_manager("users/karen.holm");
  for (const char* tag : {"wind", "drivetrain", "nordics", "strategic"}) {
    account->add_tags(tag);
  }
  const rv1::Account created = Create(request);
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  common::internal::RequestRecord record;
  ASSERT_TRUE(record.ParseFromString(stored.begin()->second));
  EXPECT_EQ(record.name(), "accounts/acme");
  EXPECT_EQ(record.etag(), "etag-1");
  EXPECT_EQ(record.create_time_micros(), absl::ToUnixMicros(kStart));
  EXPECT_EQ(record.fingerprint(), RequestLog::Fingerprint(request));
  EXPECT_LT(stored.begin()->second.size(), created.ByteSizeLong());
  std::printf("record %zu bytes (key %zu) vs response %zu bytes\n",
              stored.begin()->second.size(), stored.begin()->first.size(),
              created.ByteSizeLong());
}

TEST_F(RequestLogTest, FingerprintIgnoresTheIdAndIsStableAcrossBuilds) {
  EXPECT_EQ(RequestLog::Fingerprint(Request("a", "Acme")),
            RequestLog::Fingerprint(Request("b", "Acme")));
  EXPECT_NE(RequestLog::Fingerprint(Request("a", "Acme")),
            RequestLog::Fingerprint(Request("a", "Acme ")));
  // FNV-1a's offset basis, the hash of no bytes: records outlive builds.
  rv1::CreateAccountRequest only_id;
  only_id.set_request_id("x");
  EXPECT_EQ(RequestLog::Fingerprint(only_id), 0xcbf29ce484222325ULL);
}

}  // namespace
}  // namespace kam
