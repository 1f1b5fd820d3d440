// `meshup stat`: the rows it builds from workloads' /stats/json, and what it
// says when no mesh runs.
#include "stat_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "discovery/file_registry.h"
#include "util/process_identity.h"

namespace meshup::cli {
namespace {

using ::testing::HasSubstr;

// One workload's /stats/json with one row: `requests` calls to `app` v1, of
// which `successes` succeeded, all within 1 ms.
nlohmann::json StatsRow(const std::string& reporter, const std::string& app, double requests,
                        double successes) {
  return {{"reporter", reporter},
          {"app", app},
          {"version", "v1"},
          {"requests", requests},
          {"successes", successes},
          {"duration_bucket_bounds_ms", {1.0, 10.0}},
          {"duration_buckets_cumulative", {requests, requests, requests}}};
}

std::string StatsJson(const std::vector<nlohmann::json>& rows) {
  return nlohmann::json{{"requests", rows}}.dump();
}

const StatRow* Row(const std::vector<StatRow>& rows, const std::string& app) {
  for (const StatRow& row : rows) {
    if (row.app == app) return &row;
  }
  return nullptr;
}

// reviews calls ratings, whose every call the mesh aborts on the caller's
// side: only the source reporter sees the failures.
TEST(StatRowsTest, TheSourceReporterSeesFailuresTheServersNeverSaw) {
  const std::vector<StatTarget> targets = {
      {"productpage", "v1", "a", ""}, {"reviews", "v1", "b", ""}, {"ratings", "v1", "c", ""}};
  // reviews' view (source) and ratings' (destination), at two moments.
  auto sample = [](double aborted, double served, const std::string& reporter) {
    std::map<StatKey, StatSample> samples;
    AddStats(StatsJson({StatsRow("source", "ratings", aborted + served, served)}), reporter,
             samples);
    AddStats(StatsJson({StatsRow("destination", "ratings", served, served)}), reporter, samples);
    return samples;
  };
  const absl::Duration window = absl::Seconds(2);
  std::vector<StatRow> source =
      BuildRows(targets, sample(0, 10, "source"), sample(40, 10, "source"), window);
  ASSERT_NE(Row(source, "ratings"), nullptr);
  EXPECT_EQ(Row(source, "ratings")->requests, 40);
  EXPECT_EQ(Row(source, "ratings")->success_rate, 0);
  EXPECT_EQ(Row(source, "ratings")->rps, 20);
  std::vector<StatRow> destination =
      BuildRows(targets, sample(0, 10, "destination"), sample(40, 10, "destination"), window);
  EXPECT_EQ(Row(destination, "ratings")->requests, 0);
  // Every workload has a row, the front end that no workload calls too.
  for (const auto* rows : {&source, &destination}) {
    ASSERT_NE(Row(*rows, "productpage"), nullptr);
    EXPECT_EQ(Row(*rows, "productpage")->workloads, 1);
    EXPECT_NE(Row(*rows, "reviews"), nullptr);
  }
  EXPECT_THAT(FormatStatTable(source), HasSubstr("ratings        v1       1         0.00%"));
  EXPECT_THAT(FormatStatTable(source), HasSubstr("productpage    v1       1         -"));
}

TEST(StatRowsTest, ADestinationWithoutAWorkloadHasARowWhenCalled) {
  std::map<StatKey, StatSample> before, after;
  AddStats(StatsJson({StatsRow("source", "overflow", 5, 5)}), "source", after);
  std::vector<StatRow> rows = BuildRows({{"reviews", "v1", "b", ""}}, before, after, absl::Seconds(1));
  ASSERT_NE(Row(rows, "overflow"), nullptr);
  EXPECT_EQ(Row(rows, "overflow")->workloads, 0);
  EXPECT_EQ(Row(rows, "overflow")->requests, 5);
}

class StatCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-stat-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    // What `meshup down` leaves: a registry, logs, no state.json.
    std::filesystem::create_directories(dir_ / "registry");
    std::filesystem::create_directories(dir_ / "logs");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StatCommandTest, AStoppedStateDirectoryHasNoMesh) {
  testing::CommandResult result =
      testing::RunCommand(absl::StrCat(MESHUP_CLI, " stat --window 0.1 --state ", dir_.string()));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("no mesh runs from " + dir_.string()));
}

TEST_F(StatCommandTest, AStateFileWhoseWorkloadsAllExitedHasNoMesh) {
  // A pid that surely does not run: a child that exited and was reaped.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  std::ofstream(dir_ / "state.json") << nlohmann::json{
      {"workloads",
       {{{"service", "ratings"},
         {"version", "v1"},
         {"pid", child},
         {"admin_port", 1}}}}}.dump();
  testing::CommandResult result =
      testing::RunCommand(absl::StrCat(MESHUP_CLI, " stat --window 0.1 --state ", dir_.string()));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("no mesh runs from"));
}

TEST_F(StatCommandTest, AProcessWithTwoRegistryEntriesIsReadOnce) {
  // productpage's page and its gRPC server register apart, with one admin
  // port (the page's entry labelled apart, to see whose name the process
  // gets); reviews is another process.
  auto entry = [](const std::string& name, const std::string& app, uint32_t port,
                  uint32_t http_port, uint32_t admin_port) {
    internal::WorkloadRecord record;
    record.name = name;
    record.address = "127.0.0.1";
    record.port = port;
    record.http_port = http_port;
    record.admin_port = admin_port;
    record.labels = {{"app", app}, {"version", "v1"}};
    return record;
  };
  const std::filesystem::path registry = dir_ / "registry";
  for (const internal::WorkloadRecord& record :
       {entry("a-page", "frontend", 0, 9080, 15000),
        entry("productpage-grpc", "productpage", 9081, 0, 15000),
        entry("reviews-v1", "reviews", 9082, 0, 15001)}) {
    std::ofstream(registry / (record.name + ".yaml")) << internal::WorkloadEntryYaml(record);
  }
  absl::StatusOr<std::vector<StatTarget>> targets = RegistryTargets(registry.string());
  ASSERT_TRUE(targets.ok()) << targets.status();
  std::vector<std::string> read;
  for (const StatTarget& target : *targets) read.push_back(target.app + " " + target.admin);
  EXPECT_THAT(read, ::testing::UnorderedElementsAre("productpage 127.0.0.1:15000",
                                                    "reviews 127.0.0.1:15001"));
  // So its table counts one productpage workload, not two.
  const std::vector<StatRow> rows = BuildRows(*targets, {}, {}, absl::Seconds(1));
  ASSERT_NE(Row(rows, "productpage"), nullptr);
  EXPECT_EQ(Row(rows, "productpage")->workloads, 1);
  EXPECT_EQ(Row(rows, "frontend"), nullptr);
}

TEST_F(StatCommandTest, AWorkloadThatExitedIsNamedAndCountsNone) {
  // ratings runs (this test's own process stands for it); reviews v2 has
  // exited (a child that exited and was reaped).
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  absl::StatusOr<internal::ProcessStatus> self = internal::ReadProcessStatus(getpid());
  ASSERT_TRUE(self.ok()) << self.status();
  std::ofstream(dir_ / "state.json") << nlohmann::json{
      {"workloads",
       {{{"service", "ratings"},
         {"version", "v1"},
         {"pid", getpid()},
         {"start_time", self->start_time},
         {"command_line", self->command_line},
         {"admin_port", 1}},
        {{"service", "reviews"}, {"version", "v2"}, {"pid", child}, {"admin_port", 2}}}}}.dump();
  testing::CommandResult result =
      testing::RunCommand(absl::StrCat(MESHUP_CLI, " stat --window 0.1 --state ", dir_.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("meshup stat: reviews v2 is not running: the recorded "
                                       "process is gone (it exited)"));
  EXPECT_THAT(result.output, ::testing::ContainsRegex("\nreviews +v2 +0 "));
  // ratings' admin port does not answer: said once, not at each reading.
  const std::string silent = "meshup stat: ratings v1 at 127.0.0.1:1 did not answer";
  const size_t first = result.output.find(silent);
  ASSERT_NE(first, std::string::npos) << result.output;
  EXPECT_EQ(result.output.find(silent, first + 1), std::string::npos) << result.output;
  EXPECT_THAT(result.output, ::testing::ContainsRegex("\nratings +v1 +1 "));
}

}  // namespace
}  // namespace meshup::cli
