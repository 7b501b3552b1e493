// RecordWriter::reopen, the SIGHUP half of `mv log log.1; kill -HUP`: every record is in exactly one of the
// two files, whole, in order.
#include "control/log/record_writer.h"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sluice-reopen-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

scan::MessageRecord record(int n) {
  scan::MessageRecord r;
  r.id = "m" + std::to_string(n);
  r.timestamp_ns = 1'700'000'000'000'000'000ull + static_cast<uint64_t>(n);
  r.flow.src_ip = "192.0.2.10";
  r.flow.dest_ip = "198.51.100.25";
  r.flow.src_port = 40000;
  r.flow.dest_port = 25;
  r.envelope.mail_from = "sender@example.org";
  r.envelope.rcpt_to = {"rcpt@example.net"};
  r.subject = std::string(200, 's');   // long lines: the stdio buffer fills mid-line before each rotation
  r.complete = true;
  return r;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(content.empty() || content.back() == '\n') << path << " ends in a partial line";
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = content.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(content.substr(start, nl - start));
  }
  return lines;
}

// Each line is one whole JSON record carrying the next id in sequence.
void expect_records(const std::vector<std::string>& lines, int first, int count) {
  ASSERT_EQ(lines.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::string& line = lines[static_cast<size_t>(i)];
    EXPECT_TRUE(line.starts_with('{') && line.ends_with('}')) << line.substr(0, 80);
    EXPECT_NE(line.find("\"id\":\"m" + std::to_string(first + i) + "\""), std::string::npos) << line.substr(0, 80);
  }
}

TEST(RecordWriterReopen, RenameReopenKeepsEveryLineWhole) {
  TempDir dir;
  const fs::path log = dir.path() / "sluice.eve.json";
  const fs::path rotated = dir.path() / "sluice.eve.json.1";
  {
    RecordWriter writer;
    std::string error;
    ASSERT_TRUE(writer.open(log.string(), nullptr, &error)) << error;
    for (int i = 0; i < 1000; ++i) writer.on_message_record(record(i));
    fs::rename(log, rotated);                                            // mv log log.1
    for (int i = 1000; i < 1010; ++i) writer.on_message_record(record(i));   // before the HUP is seen
    ASSERT_TRUE(writer.reopen(&error)) << error;                          // kill -HUP
    EXPECT_TRUE(fs::exists(log));
    for (int i = 1010; i < 2010; ++i) writer.on_message_record(record(i));
    EXPECT_EQ(writer.records(), 2010u);
  }
  expect_records(lines_of(rotated), 0, 1010);
  expect_records(lines_of(log), 1010, 1000);
}

TEST(RecordWriterReopen, ReopenAppendsToAnExistingFile) {
  TempDir dir;
  const fs::path log = dir.path() / "eve.json";
  RecordWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open(log.string(), nullptr, &error)) << error;
  writer.on_message_record(record(0));
  // No rename (a HUP for another reason): the same file continues, nothing truncated.
  ASSERT_TRUE(writer.reopen(&error)) << error;
  writer.on_message_record(record(1));
  writer.flush();
  expect_records(lines_of(log), 0, 2);
}

TEST(RecordWriterReopen, FailedReopenKeepsWritingToTheOldFile) {
  TempDir dir;
  const fs::path sub = dir.path() / "logs";
  fs::create_directory(sub);
  RecordWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open((sub / "eve.json").string(), nullptr, &error)) << error;
  writer.on_message_record(record(0));
  fs::rename(sub, dir.path() / "logs.old");   // the directory itself moved away: the path cannot be opened
  EXPECT_FALSE(writer.reopen(&error));
  EXPECT_EQ(error, "cannot reopen log file '" + (sub / "eve.json").string() + "': No such file or directory");
  writer.on_message_record(record(1));
  writer.flush();
  expect_records(lines_of(dir.path() / "logs.old" / "eve.json"), 0, 2);
}

TEST(RecordWriterReopen, StdoutIsANoOp) {
  RecordWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open("-", nullptr, &error)) << error;
  EXPECT_TRUE(writer.reopen(&error));
  EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace sluice::log
