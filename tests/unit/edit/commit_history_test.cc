// CommitHistory: versions recorded atomically in a real directory, listed, loaded, pruned, reopened.
#include "control/edit/commit_history.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "tests/unit/edit/edit_fixtures.h"

namespace sluice::control::edit {
namespace {

using testing::ScratchDir;

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

std::vector<uint64_t> versions(const CommitHistory& history) {
  std::vector<uint64_t> result;
  for (const CommitInfo& info : history.list()) result.push_back(info.version);
  return result;
}

TEST(CommitHistory, OpenCreatesTheDirectoryAndStartsEmpty) {
  ScratchDir scratch;
  const std::string dir = scratch.file("a/b/history");
  CommitHistory history(dir, 5);
  std::string error;
  ASSERT_TRUE(history.open(&error)) << error;
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  struct stat status {};
  ASSERT_EQ(::stat(dir.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0700u);
  EXPECT_EQ(history.latest(), 0u);
  EXPECT_TRUE(history.list().empty());
}

TEST(CommitHistory, RecordListLoad) {
  ScratchDir scratch;
  CommitHistory history(scratch.path(), 10);
  std::string error;
  ASSERT_TRUE(history.open(&error)) << error;
  const std::string first = "config mime limits\n    set max-depth 30\nend\n";
  const std::string second = "config mime limits\n    set max-depth 31\nend\n";
  ASSERT_TRUE(history.record(CommitInfo{.unix_time = 1700000000, .user = "admin", .comment = "deeper"}, first, &error))
      << error;
  ASSERT_TRUE(history.record(CommitInfo{.unix_time = 1700000060, .user = "root", .comment = "multi\nline"}, second,
                             &error))
      << error;
  EXPECT_EQ(history.latest(), 2u);
  const std::vector<CommitInfo> list = history.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].version, 1u);
  EXPECT_EQ(list[0].unix_time, 1700000000);
  EXPECT_EQ(list[0].user, "admin");
  EXPECT_EQ(list[0].comment, "deeper");
  EXPECT_EQ(list[0].bytes, first.size());
  EXPECT_EQ(list[1].comment, "multi line");  // one line in the header
  std::string text;
  ASSERT_TRUE(history.load(1, &text, &error)) << error;
  EXPECT_EQ(text, first);
  ASSERT_TRUE(history.load(2, &text, &error)) << error;
  EXPECT_EQ(text, second);
  // The stored file is itself a configuration: the header is a comment.
  const LoadResult loaded = load_config_file(history.path_of(2));
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front().to_string();
  EXPECT_EQ(loaded.policy.mime.max_depth, 31u);
  struct stat status {};
  ASSERT_EQ(::stat(history.path_of(2).c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);  // it may hold the alert mail password
}

TEST(CommitHistory, NoTemporaryFileIsLeftAndNamesArePadded) {
  ScratchDir scratch;
  CommitHistory history(scratch.path(), 10);
  std::string error;
  ASSERT_TRUE(history.open(&error)) << error;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(history.record(CommitInfo{}, "# v\n", &error)) << error;
  EXPECT_EQ(names_in(scratch.path()), (std::set<std::string>{"000001.conf", "000002.conf", "000003.conf"}));
}

TEST(CommitHistory, PrunesTheOldestBeyondDepth) {
  ScratchDir scratch;
  CommitHistory history(scratch.path(), 3);
  std::string error;
  ASSERT_TRUE(history.open(&error)) << error;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(history.record(CommitInfo{.comment = "c" + std::to_string(i)}, "# " + std::to_string(i) + "\n", &error))
        << error;
  }
  EXPECT_EQ(versions(history), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(names_in(scratch.path()), (std::set<std::string>{"000003.conf", "000004.conf", "000005.conf"}));
  std::string text;
  EXPECT_FALSE(history.load(2, &text, &error));
  EXPECT_EQ(error, "no version 2 in the configuration history (kept: 3..5)");
  ASSERT_TRUE(history.load(3, &text, &error)) << error;
  EXPECT_EQ(text, "# 3\n");
}

TEST(CommitHistory, ReopenReadsWhatIsThereAndContinuesTheNumbering) {
  ScratchDir scratch;
  std::string error;
  {
    CommitHistory history(scratch.path(), 10);
    ASSERT_TRUE(history.open(&error)) << error;
    ASSERT_TRUE(history.record(CommitInfo{.unix_time = 5, .user = "a", .comment = ""}, "x\n", &error)) << error;
    ASSERT_TRUE(history.record(CommitInfo{.unix_time = 6, .user = "b", .comment = "two"}, "y\n", &error)) << error;
  }
  // A crash between writing the temporary file and its rename leaves this behind.
  scratch.write(".commit-3-12345", "# sluice commit\n# version: 3\n");
  scratch.write("notes.txt", "not a version\n");
  CommitHistory reopened(scratch.path(), 10);
  ASSERT_TRUE(reopened.open(&error)) << error;
  EXPECT_EQ(versions(reopened), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(reopened.list()[0].comment, "");
  EXPECT_EQ(reopened.list()[1].user, "b");
  EXPECT_TRUE(reopened.skipped().empty());
  EXPECT_EQ(names_in(scratch.path()), (std::set<std::string>{"000001.conf", "000002.conf", "notes.txt"}));
  ASSERT_TRUE(reopened.record(CommitInfo{}, "z\n", &error)) << error;
  EXPECT_EQ(reopened.latest(), 3u);
}

TEST(CommitHistory, DamagedFilesAreSkippedAndNamed) {
  ScratchDir scratch;
  std::string error;
  {
    CommitHistory history(scratch.path(), 10);
    ASSERT_TRUE(history.open(&error)) << error;
    ASSERT_TRUE(history.record(CommitInfo{}, "config mime limits\nend\n", &error)) << error;
  }
  // Copied in by hand: a configuration, but no commit header.
  scratch.write("000002.conf",
                "config mime limits\n    set max-depth 3\n    set max-parts 4\n    set max-header-size 2048\n"
                "    set max-line-length 2048\n    set max-boundary-length 100\nend\n");
  // Version 1 cut short (a disk filled up under someone else's copy).
  const std::string first = scratch.file("000001.conf");
  std::filesystem::resize_file(first, std::filesystem::file_size(first) - 4);
  CommitHistory reopened(scratch.path(), 10);
  ASSERT_TRUE(reopened.open(&error)) << error;
  EXPECT_TRUE(reopened.list().empty());
  std::vector<std::string> skipped = reopened.skipped();
  std::sort(skipped.begin(), skipped.end());
  EXPECT_EQ(skipped, (std::vector<std::string>{
                         first + " holds 19 bytes of configuration, its header says 23",
                         scratch.file("000002.conf") + " has a damaged commit header"}));
}

TEST(CommitHistory, RefusesAVersionThatIsNotNewer) {
  ScratchDir scratch;
  CommitHistory history(scratch.path(), 10);
  std::string error;
  ASSERT_TRUE(history.open(&error)) << error;
  ASSERT_TRUE(history.record(CommitInfo{.version = 7}, "a\n", &error)) << error;
  EXPECT_FALSE(history.record(CommitInfo{.version = 7}, "b\n", &error));
  EXPECT_EQ(error, "version 7 is not newer than the latest recorded version 7");
  std::string text;
  ASSERT_TRUE(history.load(7, &text, &error)) << error;
  EXPECT_EQ(text, "a\n");
  EXPECT_EQ(names_in(scratch.path()), (std::set<std::string>{"000007.conf"}));
}

TEST(CommitHistory, ErrorsNameThePathOrTheVersion) {
  ScratchDir scratch;
  scratch.write("file", "x");
  CommitHistory blocked(scratch.file("file/history"), 10);
  std::string error;
  EXPECT_FALSE(blocked.open(&error));
  EXPECT_EQ(error.rfind("cannot create history directory " + scratch.file("file/history") + ": ", 0), 0u) << error;

  CommitHistory empty(scratch.file("h"), 10);
  ASSERT_TRUE(empty.open(&error)) << error;
  std::string text;
  EXPECT_FALSE(empty.load(1, &text, &error));
  EXPECT_EQ(error, "no version 1 in the configuration history (the history is empty)");

  // The directory vanishes under a running daemon: the commit fails, nothing is listed.
  std::filesystem::remove_all(scratch.file("h"));
  EXPECT_FALSE(empty.record(CommitInfo{}, "a\n", &error));
  EXPECT_EQ(error, "cannot record version 1: cannot create " + scratch.file("h/.commit-1-") +
                       std::to_string(::getpid()) + ": No such file or directory");
  EXPECT_EQ(empty.latest(), 0u);
}

}  // namespace
}  // namespace sluice::control::edit
