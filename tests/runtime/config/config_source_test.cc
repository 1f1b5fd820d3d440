#include "config/config_source.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::HasSubstr;

std::string Rule(const std::string& name, const std::string& subset,
                 const std::string& host = "reviews") {
  return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name +
         "}\nspec:\n  host: " + host + "\n  subsets:\n  - {name: " + subset + "}\n";
}

// Writes a file the way editors and `meshup apply` do: a temporary file,
// then a rename, so that a reader never sees half of it.
void WriteFile(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.parent_path() / ("." + path.filename().string());
  std::ofstream(temporary) << text;
  std::filesystem::rename(temporary, path);
}

// Waits up to 10 s for `condition`; the watcher reports within a second.
bool Eventually(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

class ConfigSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("meshup-source-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  internal::EventLoop loop_;
};

TEST_F(ConfigSourceTest, RefusesToStartOnABadConfiguration) {
  WriteFile(dir_ / "bad.yaml", "kind: [");
  auto source = ConfigSource::Watch(dir_.string(), loop_);
  EXPECT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("bad.yaml"));
}

TEST_F(ConfigSourceTest, SwapsInAGoodUpdate) {
  WriteFile(dir_ / "reviews.yaml", Rule("reviews", "v1"));
  auto source = ConfigSource::Watch(dir_.string(), loop_);
  ASSERT_TRUE(source.ok()) << source.status();
  std::shared_ptr<const Snapshot> first = (*source)->Current();
  ASSERT_NE(first->DestinationRuleFor("reviews")->FindSubset("v1"), nullptr);

  WriteFile(dir_ / "reviews.yaml", Rule("reviews", "v2"));
  ASSERT_TRUE(Eventually([&] {
    return (*source)->Current()->DestinationRuleFor("reviews")->FindSubset("v2") != nullptr;
  }));
  // A holder of the old snapshot still sees it whole.
  EXPECT_NE(first->DestinationRuleFor("reviews")->FindSubset("v1"), nullptr);
  EXPECT_EQ((*source)->reload_failures(), 0);
}

TEST_F(ConfigSourceTest, RejectsABadUpdateWholeAndKeepsTheLastGood) {
  WriteFile(dir_ / "reviews.yaml", Rule("reviews", "v1"));
  auto source = ConfigSource::Watch(dir_.string(), loop_);
  ASSERT_TRUE(source.ok()) << source.status();
  const int64_t generation = (*source)->generation();

  // A bad file, then a good one: however the watcher batches the two writes,
  // every reload sees the bad file, so neither may apply. (Writing the good
  // file first would let a reload between the writes apply it alone.)
  WriteFile(dir_ / "z-bad.yaml", Rule("details", "v1", "details") +
                                     "  trafficPolicy: {loadBalancer: {simple: FASTEST}}\n");
  WriteFile(dir_ / "a-good.yaml", Rule("ratings", "v9", "ratings"));
  ASSERT_TRUE(Eventually([&] { return (*source)->reload_failures() > 0; }));
  EXPECT_THAT((*source)->last_error(), HasSubstr("z-bad.yaml"));
  EXPECT_THAT((*source)->last_error(), HasSubstr("'FASTEST' is not supported"));
  EXPECT_EQ((*source)->generation(), generation);
  EXPECT_EQ((*source)->Current()->DestinationRuleFor("ratings"), nullptr);
  EXPECT_NE((*source)->Current()->DestinationRuleFor("reviews"), nullptr);

  // Fixing the bad file applies both.
  std::filesystem::remove(dir_ / "z-bad.yaml");
  ASSERT_TRUE(
      Eventually([&] { return (*source)->Current()->DestinationRuleFor("ratings") != nullptr; }));
  EXPECT_EQ((*source)->last_error(), "");
}

}  // namespace
}  // namespace meshup::config
