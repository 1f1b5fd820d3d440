// The loader on YAML's corners: anchors, document markers, keys written
// twice, tabs, encodings.
#include <string>

#include "alias_bomb.h"
#include "config/loader.h"
#include "config/object_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const std::string& yaml) {
  return LoadConfigFiles({{"test.yaml", yaml}});
}

std::string Error(const std::string& yaml) {
  auto snapshot = Load(yaml);
  EXPECT_FALSE(snapshot.ok()) << "loaded, but should have been refused:\n" << yaml;
  return std::string(snapshot.status().message());
}

constexpr char kRuleHeader[] =
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n";

TEST(LoaderYamlTest, ResolvesAnchorsAndAliases) {
  auto snapshot = Load(std::string(kRuleHeader) + R"(spec:
  host: reviews
  subsets:
  - name: v1
    labels: &labels {version: v1, team: books}
  - name: v2
    labels: *labels
)");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->destination_rules[0].subsets[1].labels.at("team"), "books");
}

TEST(LoaderYamlTest, RefusesAnAliasBombWithItsPosition) {
  const std::string text = AliasBomb();
  EXPECT_THAT(Error(text), HasSubstr("test.yaml:6:"));
  EXPECT_THAT(Error(text), HasSubstr("invalid YAML: the aliases stand for more than"));
}

TEST(LoaderYamlTest, RefusesAKeyWrittenTwiceWithBothLines) {
  EXPECT_THAT(Error(std::string(kRuleHeader) + R"(spec:
  host: reviews
  host: ratings
)"),
              HasSubstr("test.yaml:6:3: DestinationRule default/r: spec.host: written twice in one "
                        "mapping (first at line 5)"));
  EXPECT_THAT(Error(std::string(kRuleHeader) + R"(spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1, version: v2}
)"),
              HasSubstr("spec.subsets[0].labels.version: written twice in one mapping"));
  EXPECT_THAT(Error(R"(apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: w}
spec:
  address: 10.0.0.1
  ports: {grpc: 9080, grpc: 9081}
)"),
              HasSubstr("spec.ports.grpc: written twice in one mapping"));
}

TEST(LoaderYamlTest, RefusesHeadersWrittenTwiceInAnyCase) {
  EXPECT_THAT(Error(R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v}
spec:
  hosts: [reviews]
  http:
  - match:
    - headers: {x-user: {exact: a}, X-User: {exact: b}}
    route:
    - destination: {host: reviews}
)"),
              HasSubstr("spec.http[0].match[0].headers.X-User: header written twice in one mapping"));
}

TEST(LoaderYamlTest, RefusesKeysThatAreNotNames) {
  EXPECT_THAT(Error(std::string(kRuleHeader) + R"(spec:
  host: reviews
  subsets:
  - name: v1
    labels: {~: a, version: v1}
)"),
              HasSubstr("spec.subsets[0].labels: expected a name, found null"));
}

// Line numbers count \n (and \r\n); YAML would also count these, and every
// later line of an error would be off.
TEST(LoaderYamlTest, RefusesLineBreaksOtherThanNewlineWithTheirPosition) {
  const std::string rule = std::string(kRuleHeader) + "spec:\n  host: reviews # a";
  EXPECT_THAT(Error(rule + "\xE2\x80\xA8 comment\n"),
              HasSubstr("test.yaml:5:20: invalid YAML: line break U+2028"));
  EXPECT_THAT(Error(rule + "\r comment\n"),
              HasSubstr("test.yaml:5:20: invalid YAML: a carriage return alone"));
  EXPECT_THAT(Error(rule + "\xC2\x85 comment\n"),
              HasSubstr("test.yaml:5:20: invalid YAML: line break U+0085"));
  // \r\n line ends and other multi-byte characters load.
  auto crlf = Load("apiVersion: networking.istio.io/v1\r\nkind: DestinationRule\r\n"
                   "metadata: {name: r}\r\nspec:\r\n  host: reviews # \xC2\xB5s \xE2\x80\x94 ok\r\n");
  EXPECT_TRUE(crlf.ok()) << crlf.status();
}

TEST(LoaderYamlTest, ReadsDirectivesAndEveryDocumentMarker) {
  const std::string rule = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n";
  auto snapshot = Load("%YAML 1.1\n---\n" + rule + "metadata: {name: a}\nspec: {host: a}\n" +
                       "---\t\n" + rule + "metadata: {name: b}\nspec: {host: b}\n---\n---\n" +
                       "--- {apiVersion: networking.istio.io/v1, kind: DestinationRule, "
                       "metadata: {name: c}, spec: {host: c}}\n...\n");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ((*snapshot)->destination_rules.size(), 3u);
  EXPECT_EQ((*snapshot)->destination_rules[2].origin.line, 14);
}

TEST(LoaderYamlTest, AnInlineDocumentsErrorsNameItsLine) {
  EXPECT_THAT(Error("# first\n--- {apiVersion: networking.istio.io/v1, kind: DestinationRule, "
                    "metadata: {name: r}, spec: {host: r, bogus: 1}}\n"),
              HasSubstr("test.yaml:2:102: DestinationRule default/r: spec.bogus: unknown"));
}

TEST(LoaderYamlTest, AMarkerWithContentAfterADocumentIsAnError) {
  EXPECT_THAT(Error(std::string(kRuleHeader) + "spec: {host: r}\n---\tkind: x\n"),
              HasSubstr("test.yaml:5:"));
}

TEST(LoaderYamlTest, TabsAndBadEncodingsAreErrorsWithTheirPosition) {
  EXPECT_THAT(Error(std::string(kRuleHeader) + "spec:\n\thost: reviews\n"),
              HasSubstr("test.yaml:5:1: invalid YAML: found character that cannot start any "
                        "token"));
  EXPECT_THAT(Error(std::string(kRuleHeader) + "spec: {host: \"\xFF\"}\n"),
              HasSubstr("test.yaml:4:15: invalid YAML: invalid leading UTF-8 octet (0xff)"));
  EXPECT_THAT(Error(std::string(kRuleHeader) + "spec: {host: \"a\x7F\"}\n"),
              HasSubstr("test.yaml:4:16: invalid YAML: control characters are not allowed"));
}

TEST(LoaderYamlTest, AMissingValueIsWhereItIsMissing) {
  EXPECT_THAT(Error("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n"
                    "  name:\nspec: {host: r}\n"),
              HasSubstr("test.yaml:4:8: metadata.name: expected a string, found null"));
}

TEST(LoaderYamlTest, NonAsciiTextCountsColumnsInBytes) {
  EXPECT_THAT(Error("# \xC3\xA9t\xC3\xA9\napiVersion: networking.istio.io/v1\n"
                    "kind: DestinationRule\nmetadata: {name: \"\xC3\xA9\"}\n"
                    "spec: {host: r, bogus: \"\xC3\xA9\", more: 1}\n"),
              HasSubstr("test.yaml:5:17: DestinationRule default/\xC3\xA9: spec.bogus"));
}

TEST(LoaderYamlTest, ReadObjectsGivesEachDocumentsText) {
  const std::string first = std::string(kRuleHeader) + "spec: {host: r}\n";
  const std::string second =
      "--- {apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {name: s}, "
      "spec: {host: s}}\n";
  auto objects = ReadObjects({"test.yaml", first + "---\n" + second});
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].text, first);
  EXPECT_EQ((*objects)[1].name, "s");
  EXPECT_EQ((*objects)[1].text, second);
}

}  // namespace
}  // namespace meshup::config
