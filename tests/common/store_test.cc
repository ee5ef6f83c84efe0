#include "common/store.h"

#include "gtest/gtest.h"
#include "kam/common/v1/types.pb.h"
#include "tests/support/temp_dir.h"

namespace kam {
namespace {

Store::Options OptionsAt(const std::string& path) {
  Store::Options options;
  options.path = path;
  options.column_families = {"things", "other"};
  return options;
}

TEST(StoreTest, BatchIsAtomicAcrossFamiliesAndSurvivesReopen) {
  ::kam::test_support::TempDir dir;
  {
    auto store = Store::Open(OptionsAt(dir.path()));
    ASSERT_TRUE(store.ok()) << store.status();
    rocksdb::WriteBatch batch;
    kam::common::v1::Money money;
    money.set_currency_code("EUR");
    money.set_minor_units(12345);
    PutProto(&batch, (*store)->Family("things"), "a", money);
    batch.Put((*store)->Family("other"), "b", "2");
    ASSERT_TRUE((*store)->Write(&batch).ok());
  }
  auto store = Store::Open(OptionsAt(dir.path()));
  ASSERT_TRUE(store.ok()) << store.status();
  kam::common::v1::Money money;
  auto found = (*store)->GetProto((*store)->Family("things"), "a", &money);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(*found);
  EXPECT_EQ(money.minor_units(), 12345);
  std::string value;
  EXPECT_TRUE((*store)->Get((*store)->Family("other"), "b", &value).ok());
  EXPECT_EQ(value, "2");
}

TEST(StoreTest, MissingKeyIsNotFoundAndCorruptValueIsInternal) {
  ::kam::test_support::TempDir dir;
  auto store = Store::Open(OptionsAt(dir.path()));
  ASSERT_TRUE(store.ok());
  std::string value;
  EXPECT_TRUE(absl::IsNotFound((*store)->Get((*store)->Family("things"), "x", &value)));
  kam::common::v1::Money money;
  auto found = (*store)->GetProto((*store)->Family("things"), "x", &money);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);

  rocksdb::WriteBatch batch;
  batch.Put((*store)->Family("things"), "bad", std::string("\xff\xff\xff", 3));
  ASSERT_TRUE((*store)->Write(&batch).ok());
  EXPECT_EQ((*store)->GetProto((*store)->Family("things"), "bad", &money)
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

TEST(StoreTest, SecondOpenOfSameDirectoryFailsWithPath) {
  ::kam::test_support::TempDir dir;
  auto first = Store::Open(OptionsAt(dir.path()));
  ASSERT_TRUE(first.ok());
  auto second = Store::Open(OptionsAt(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(dir.path()), std::string::npos);
}

TEST(StoreTest, CheckpointIsAConsistentCopy) {
  ::kam::test_support::TempDir dir;
  auto store = Store::Open(OptionsAt(dir.path() + "/db"));
  ASSERT_TRUE(store.ok());
  rocksdb::WriteBatch batch;
  batch.Put((*store)->Family("things"), "k", "v");
  ASSERT_TRUE((*store)->Write(&batch).ok());
  ASSERT_TRUE((*store)->Checkpoint(dir.path() + "/copy").ok());
  auto copy = Store::Open(OptionsAt(dir.path() + "/copy"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  std::string value;
  EXPECT_TRUE((*copy)->Get((*copy)->Family("things"), "k", &value).ok());
  EXPECT_EQ(value, "v");
}

}  // namespace
}  // namespace kam
