#ifndef KAM_TESTS_SUPPORT_TEMP_DIR_H_
#define KAM_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace kam::test_support {

// TempDir is a fresh directory under $TMPDIR (or /tmp), removed with
// everything in it when the TempDir is destroyed. Aborts the test binary if
// the directory cannot be created: no test can run without it.
//
// Example:
//   TempDir dir;
//   std::string data = dir.Sub("data");  // "<dir>/data", not created
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory; creates nothing.
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace kam::test_support

#endif  // KAM_TESTS_SUPPORT_TEMP_DIR_H_
