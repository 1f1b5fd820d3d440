// Loading sets of files: errors in file order across files and parse
// threads, the parse cache of reloads, and reading a directory.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::HasSubstr;

TEST(LoaderErrorTest, TwoMeshDocumentsInTwoFiles) {
  const std::string rule =
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
      "spec: {host: reviews}\n";
  auto mesh = [](const std::string& name) {
    return "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: " + name +
           "}\nspec: {}\n";
  };
  // The second Mesh is the first error, before a bad document after it.
  auto snapshot = LoadConfigFiles(
      {{"a.yaml", mesh("m")}, {"b.yaml", rule + "---\n" + mesh("n") + "---\nkind: [\n"}});
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().message(),
            "b.yaml:6:1: Mesh default/n: a second Mesh document; the first is at a.yaml:1 "
            "(Mesh default/m)");
}

// 300 files of about 1.3 KiB: enough to be parsed on several threads.
std::vector<ConfigFile> ManyFiles() {
  std::vector<ConfigFile> files;
  for (int i = 0; i < 300; ++i) {
    const std::string name = "svc" + std::to_string(i);
    std::string text = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " +
                       name + "}\nspec:\n  host: " + name + "\n  subsets:\n";
    for (int s = 0; s < 30; ++s) {
      text += "  - {name: v" + std::to_string(s) + ", labels: {version: v" + std::to_string(s) +
              "}}\n";
    }
    char file_name[16];
    std::snprintf(file_name, sizeof(file_name), "%03d.yaml", i);
    files.push_back({file_name, text});
  }
  return files;
}

TEST(LoaderErrorTest, ManyFilesFailOnTheFirstErrorInFileOrder) {
  std::vector<ConfigFile> files = ManyFiles();
  files[250].text += "  bogus: 1\n";
  files[40].text += "---\nkind: [\n";
  for (int round = 0; round < 5; ++round) {
    auto snapshot = LoadConfigFiles(files);
    ASSERT_FALSE(snapshot.ok());
    EXPECT_THAT(snapshot.status().message(), HasSubstr("040.yaml:"));
  }
  files[40] = ManyFiles()[40];
  auto snapshot = LoadConfigFiles(files);
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(snapshot.status().message(),
              HasSubstr("250.yaml:37:3: DestinationRule default/svc250: spec.bogus: unknown"));
}

TEST(LoaderCacheTest, ReparsesOnlyTheFilesThatChangedAndLoadsTheSame) {
  std::vector<ConfigFile> files = ManyFiles();
  files[7].text += "  exportTo: [\".\"]\n";  // a warning
  ParsedFileCache cache;
  auto first = LoadConfigFiles(files, &cache);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(cache.last_parsed(), files.size());

  files[123].text += "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n";
  auto second = LoadConfigFiles(files, &cache);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(cache.last_parsed(), 1u);
  auto uncached = LoadConfigFiles(files);
  ASSERT_TRUE(uncached.ok()) << uncached.status();
  EXPECT_EQ((*second)->files, (*uncached)->files);
  EXPECT_EQ((*second)->warnings, (*uncached)->warnings);
  ASSERT_EQ((*second)->destination_rules.size(), (*uncached)->destination_rules.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const DestinationRule& a = (*second)->destination_rules[i];
    const DestinationRule& b = (*uncached)->destination_rules[i];
    EXPECT_EQ(a.origin.ToString(), b.origin.ToString());
    EXPECT_EQ(a.subsets.size(), b.subsets.size());
    EXPECT_EQ(a.traffic_policy.has_value(), b.traffic_policy.has_value());
  }
  ASSERT_NE((*second)->DestinationRuleFor("svc123"), nullptr);
  EXPECT_TRUE((*second)->DestinationRuleFor("svc123")->traffic_policy.has_value());
  EXPECT_FALSE((*first)->DestinationRuleFor("svc123")->traffic_policy.has_value());
}

TEST(LoaderCacheTest, ABadFileFailsTheSameWayThroughTheCache) {
  std::vector<ConfigFile> files = ManyFiles();
  const std::string good = files[5].text;
  ParsedFileCache cache;
  ASSERT_TRUE(LoadConfigFiles(files, &cache).ok());
  files[5].text += "  bogus: 1\n";
  const std::string expected = std::string(LoadConfigFiles(files).status().message());
  EXPECT_THAT(expected, HasSubstr("005.yaml:37:3:"));
  for (int round = 0; round < 2; ++round) {  // parsed, then from the cache
    auto snapshot = LoadConfigFiles(files, &cache);
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.status().message(), expected);
  }
  EXPECT_EQ(cache.last_parsed(), 1u);  // a rejected file's text is not kept: parsed again
  files[5].text = good;
  auto fixed = LoadConfigFiles(files, &cache);
  EXPECT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(cache.last_parsed(), 1u);
}

TEST(LoaderDirectoryTest, ReadsYamlFilesInNameOrderAndNothingElse) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("meshup-config-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "b.yml") << "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                                  "metadata: {name: b}\nspec: {host: ratings}\n";
  std::ofstream(dir / "a.yaml") << "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                                   "metadata: {name: a}\nspec: {host: reviews}\n";
  std::ofstream(dir / "README.md") << "not config";
  std::ofstream(dir / ".a.yaml.swp") << "junk";
  auto snapshot = LoadConfigDirectory(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ((*snapshot)->files.size(), 2u);
  EXPECT_THAT((*snapshot)->files[0], HasSubstr("a.yaml"));
  EXPECT_THAT((*snapshot)->files[1], HasSubstr("b.yml"));
}

TEST(LoaderDirectoryTest, AMissingDirectoryIsNotFound) {
  auto snapshot = LoadConfigDirectory("/nonexistent/meshup");
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(snapshot.status().message(), HasSubstr("/nonexistent/meshup"));
}

}  // namespace
}  // namespace meshup::config
