// SignatureSet::load_file: extensions, comments, blank lines, CRLF, and file:line errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "engine_test_support.h"

namespace sluice::engine {
namespace {

using testing::Names;

// Writes `content` to a fresh file under the test temp dir; removed when the object dies.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(::testing::TempDir() + "sluice_engine_" + name) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadFile, NdbWithCommentsBlankLinesAndCrlf) {
  TempFile file("good.ndb",
                "# body signatures\n"
                "\n"
                "Test.Abc:0:*:41424344\r\n"
                "   \n"
                "Test.Pe:1:0:4d5a\n"
                "Test.Eof:0:EOF-4:58595a5a\n");
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.load_file(file.path(), &error)) << error;
  EXPECT_EQ(set.stats().body, 3u);
  EXPECT_EQ(set.stats().approximated, 1u);
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(testing::scan_both_ways(*db, "xx ABCD XYZZ"), (Names{"Test.Abc", "Test.Eof"}));
}

TEST(LoadFile, HashFiles) {
  TempFile hdb("good.hdb", "900150983cd24fb0d6963f7d28e17f72:3:Md5.Abc\n");
  TempFile hsb("good.hsb",
               "a9993e364706816aba3e25717850c26c9cd0d89d:*:Sha1.Abc\n"
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:3:Sha256.Abc:73\n");
  SignatureSet set;
  std::string error;
  ASSERT_TRUE(set.load_file(hdb.path(), &error)) << error;
  ASSERT_TRUE(set.load_file(hsb.path(), &error)) << error;
  EXPECT_EQ(set.stats().hash, 3u);
  auto db = testing::compile_ok(set);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(testing::scan_both_ways(*db, "abc"), (Names{"Md5.Abc", "Sha1.Abc", "Sha256.Abc"}));
}

TEST(LoadFile, MalformedLineReportsFileAndLine) {
  TempFile file("bad.ndb",
                "Good.One:0:*:41424344\n"
                "# comment\n"
                "Bad.Two:0:*:4142zz\n"
                "Never.Read:0:*:45464748\n");
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.load_file(file.path(), &error));
  EXPECT_EQ(error, file.path() + ":3: signature 'Bad.Two': hex signature: invalid byte 'zz' at character 5");
  EXPECT_EQ(set.stats().body, 1u);  // lines before the bad one stay loaded
}

TEST(LoadFile, MalformedHashLineReportsFileAndLine) {
  TempFile file("bad.hsb", "\n\nnot-a-hash\n");
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.load_file(file.path(), &error));
  EXPECT_EQ(error, file.path() + ":3: expected HashHex:Size:Name[:MinFL[:MaxFL]]");
}

TEST(LoadFile, OverlongLineIsRejected) {
  SignatureLimits limits;
  limits.max_line_bytes = 16;
  TempFile file("long.ndb", "Sig:0:*:4142434445464748\n");
  SignatureSet set(limits);
  std::string error;
  EXPECT_FALSE(set.load_file(file.path(), &error));
  EXPECT_EQ(error, file.path() + ":1: line longer than 16 bytes");
}

TEST(LoadFile, UnknownExtensionAndMissingFile) {
  SignatureSet set;
  std::string error;
  EXPECT_FALSE(set.load_file("/nonexistent/sigs.ldb", &error));
  EXPECT_EQ(error, "/nonexistent/sigs.ldb: unsupported signature file (want .ndb, .hdb or .hsb)");
  EXPECT_FALSE(set.load_file("/nonexistent/sigs.ndb", &error));
  EXPECT_EQ(error, "/nonexistent/sigs.ndb: cannot open");
}

}  // namespace
}  // namespace sluice::engine
