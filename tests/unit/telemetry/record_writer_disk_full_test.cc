// RecordWriter when the log file cannot be written (disk full, quota, file size limit): the record is lost and
// counted, one line says so on stderr, later records are retried and the first that lands says how many were
// lost; the file never holds a partial line. The failure is real: RLIMIT_FSIZE set to the file's size makes the
// kernel refuse the next write(2) with EFBIG, as a full disk refuses it with ENOSPC.
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "control/log/record_writer.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

scan::MessageRecord record(int n) {
  scan::MessageRecord r;
  r.id = "full" + std::to_string(n);
  r.flow.src_ip = "192.0.2.10";
  r.flow.dest_ip = "198.51.100.25";
  r.envelope.mail_from = "sender@example.org";
  r.complete = true;
  return r;
}

std::string content_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Restores the file size limit and SIGXFSZ's disposition however the test ends.
class FileSizeLimit {
 public:
  FileSizeLimit() {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);   // else exceeding the limit kills the process
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  void set(rlim_t bytes) {
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  void lift() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST(RecordWriterDiskFull, RecordsAreLostCountedAndReportedThenWritingResumes) {
  std::string pattern = (fs::temp_directory_path() / "sluice-full-XXXXXX").string();
  const fs::path dir = ::mkdtemp(pattern.data());
  const fs::path path = dir / "messages.jsonl";
  {
    RecordWriter writer;
    std::string error;
    ASSERT_TRUE(writer.open(path.string(), nullptr, &error)) << error;
    FileSizeLimit limit;
    testing::internal::CaptureStderr();

    writer.on_message_record(record(1));
    EXPECT_TRUE(writer.last_written());
    limit.set(fs::file_size(path));   // not one more byte
    writer.on_message_record(record(2));
    EXPECT_FALSE(writer.last_written());
    writer.on_message_record(record(3));
    EXPECT_FALSE(writer.last_written());
    EXPECT_EQ(writer.lost(), 2u);
    limit.lift();
    writer.on_message_record(record(4));
    EXPECT_TRUE(writer.last_written());
    EXPECT_EQ(writer.lost(), 2u);

    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_NE(said.find("message log " + path.string() + ": write failed (File too large): records are being lost"),
              std::string::npos) << said;
    EXPECT_EQ(said.find("write failed"), said.rfind("write failed")) << "one line per failure spell: " << said;
    EXPECT_NE(said.find("writing again; 2 record(s) lost"), std::string::npos) << said;
  }
  const std::string text = content_of(path);
  EXPECT_NE(text.find("\"id\":\"full1\""), std::string::npos);
  EXPECT_EQ(text.find("\"id\":\"full2\""), std::string::npos);
  EXPECT_EQ(text.find("\"id\":\"full3\""), std::string::npos);
  EXPECT_NE(text.find("\"id\":\"full4\""), std::string::npos);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "no partial line";
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice::log
