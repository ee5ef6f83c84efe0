#ifndef KAM_TESTS_SUPPORT_SMALL_DISK_H_
#define KAM_TESTS_SUPPORT_SMALL_DISK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kam::test_support {

// SmallDisk is a file system of its own, of a fixed size, for tests of what a
// full disk does: a tmpfs mounted on a fresh temporary directory, unmounted
// (and the directory removed) when the SmallDisk is destroyed, also when a
// test fails. Mounting needs root (CAP_SYS_ADMIN); Mount's error says so,
// for a GTEST_SKIP.
//
// Example:
//   auto disk = SmallDisk::Mount(64 << 20);
//   if (!disk.ok()) GTEST_SKIP() << disk.status();
//   std::string data = (*disk)->Sub("data");
//   (*disk)->FillLeaving(4 << 20);  // a filler file takes all but 4 MiB
//   ...
//   (*disk)->RemoveFiller();
class SmallDisk {
 public:
  static absl::StatusOr<std::unique_ptr<SmallDisk>> Mount(uint64_t bytes);
  // Mounts on `directory`, which must exist (e.g. a service's --data_dir
  // that a fixture chose); it is left in place afterwards, empty.
  static absl::StatusOr<std::unique_ptr<SmallDisk>> MountAt(
      const std::string& directory, uint64_t bytes);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const;

  // Bytes free on the file system now.
  uint64_t FreeBytes() const;
  // Grows the filler file (next to whatever is on the disk) until at most
  // `leave` bytes are free, or the disk is full.
  absl::Status FillLeaving(uint64_t leave);
  // Deletes the filler file.
  void RemoveFiller();

 private:
  SmallDisk(std::string path, bool owned)
      : path_(std::move(path)), owned_(owned) {}
  std::string path_;
  bool owned_;
};

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_SMALL_DISK_H_
