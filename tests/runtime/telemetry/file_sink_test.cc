#include "telemetry/file_sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("meshup-file-sink-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileSinkTest, RotatesBySizeAndKeepsABoundedNumberOfFiles) {
  const std::string path = (dir_ / "access.jsonl").string();
  AsyncBatcher::Sink sink = FileLineSink(path, FileRotation{2500, 3});
  // Batches of ten 99-byte lines (1,000 bytes): two fit in a file.
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<std::string> lines;
    for (int i = 0; i < 10; ++i) {
      std::string line = std::to_string(batch * 10 + i);
      line.resize(99, '.');
      lines.push_back(line);
    }
    ASSERT_TRUE(sink(lines).ok());
  }
  EXPECT_FALSE(fs::exists(path + ".3"));
  for (const std::string& file : {path, path + ".1", path + ".2"}) {
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_LE(fs::file_size(file), 2500u) << file;
    EXPECT_EQ(Lines(file).size(), 20u) << file;
  }
  // The newest lines, in order: 40..59 in .2, 60..79 in .1, 80..99 current.
  EXPECT_EQ(Lines(path + ".2").front().substr(0, 2), "40");
  EXPECT_EQ(Lines(path + ".1").front().substr(0, 2), "60");
  EXPECT_EQ(Lines(path).back().substr(0, 2), "99");
}

TEST_F(FileSinkTest, OneFileStartsOverWhenFull) {
  const std::string path = (dir_ / "spans.jsonl").string();
  AsyncBatcher::Sink sink = FileLineSink(path, FileRotation{4096, 1});
  const std::string line(1000, 'x');
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(sink({line}).ok());
  EXPECT_FALSE(fs::exists(path + ".1"));
  EXPECT_EQ(Lines(path).size(), 1u);  // 4 fit; the 9th started a third file
}

TEST_F(FileSinkTest, WritersSharingAFileRotateItInTurn) {
  const std::string path = (dir_ / "shared.jsonl").string();
  AsyncBatcher::Sink first = FileLineSink(path, FileRotation{1500, 2});
  AsyncBatcher::Sink second = FileLineSink(path, FileRotation{1500, 2});
  const std::string line(999, 'x');
  ASSERT_TRUE(first({line}).ok());
  ASSERT_TRUE(second({line}).ok());  // rotates
  ASSERT_TRUE(first({line}).ok());   // rotates again: the file is full
  EXPECT_EQ(Lines(path).size(), 1u);
  EXPECT_EQ(Lines(path + ".1").size(), 1u);
}

}  // namespace
}  // namespace meshup::internal
