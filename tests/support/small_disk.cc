#include "tests/support/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kam::test_support {

namespace {

absl::Status MountTmpfs(const std::string& directory, uint64_t bytes) {
  const std::string options = absl::StrCat("size=", bytes, ",mode=0755");
  if (mount("tmpfs", directory.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot mount a ", bytes >> 20, " MiB tmpfs on ", directory, " (",
        std::strerror(errno),
        "): this test needs root, or CAP_SYS_ADMIN, to make a small disk"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmallDisk>> SmallDisk::Mount(uint64_t bytes) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/kam-small-disk-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno)));
  }
  if (absl::Status s = MountTmpfs(pattern, bytes); !s.ok()) {
    rmdir(pattern.c_str());
    return s;
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(pattern, /*owned=*/true));
}

absl::StatusOr<std::unique_ptr<SmallDisk>> SmallDisk::MountAt(
    const std::string& directory, uint64_t bytes) {
  if (absl::Status s = MountTmpfs(directory, bytes); !s.ok()) return s;
  return std::unique_ptr<SmallDisk>(new SmallDisk(directory, /*owned=*/false));
}

SmallDisk::~SmallDisk() {
  // Lazily: a child process that still holds a file does not keep the mount.
  if (umount2(path_.c_str(), MNT_DETACH) == 0 && owned_) rmdir(path_.c_str());
}

std::string SmallDisk::Sub(const std::string& name) const {
  return absl::StrCat(path_, "/", name);
}

uint64_t SmallDisk::FreeBytes() const {
  struct statvfs fs;
  if (statvfs(path_.c_str(), &fs) != 0) return 0;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

absl::Status SmallDisk::FillLeaving(uint64_t leave) {
  const std::string filler = Sub("kam-test-filler");
  const int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", filler, ": ", std::strerror(errno)));
  }
  std::vector<char> block(64 << 10, 'f');
  while (FreeBytes() > leave) {
    const uint64_t want = std::min<uint64_t>(block.size(), FreeBytes() - leave);
    if (write(fd, block.data(), want) <= 0) break;  // full
  }
  close(fd);
  return absl::OkStatus();
}

void SmallDisk::RemoveFiller() { unlink(Sub("kam-test-filler").c_str()); }

}  // namespace kam::test_support
