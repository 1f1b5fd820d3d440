#include "config/yaml_tree.h"

#include <string>

#include "alias_bomb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::config {
namespace {

using ::testing::HasSubstr;

YamlStream Parse(const std::string& text, int first_line = 0) {
  absl::StatusOr<YamlStream> stream = ParseYaml(text, "t.yaml", first_line);
  EXPECT_TRUE(stream.ok()) << stream.status();
  return stream.ok() ? *std::move(stream) : YamlStream();
}

std::string Error(const std::string& text) {
  absl::StatusOr<YamlStream> stream = ParseYaml(text, "t.yaml");
  EXPECT_FALSE(stream.ok()) << "parsed, but should have been refused:\n" << text;
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(stream.status().message());
}

TEST(YamlTreeTest, BuildsMappingsSequencesAndScalarsWithTheirPositions) {
  YamlStream stream = Parse("a: 1\nb:\n  - x\n  - {c: d}\n");
  ASSERT_EQ(stream.size(), 1u);
  const YamlNode root = stream.document(0);
  ASSERT_TRUE(root.IsMap());
  ASSERT_EQ(root.size(), 2u);
  EXPECT_EQ(root.key(0).text(), "a");
  EXPECT_EQ(root.value(0).text(), "1");
  EXPECT_EQ(root.value(0).mark().line, 0);
  EXPECT_EQ(root.value(0).mark().column, 3);
  const YamlNode list = root.Find("b");
  ASSERT_TRUE(list.IsSequence());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.mark().line, 2);
  EXPECT_EQ(list.mark().column, 2);
  EXPECT_EQ(list[0].text(), "x");
  EXPECT_TRUE(list[1].IsMap());
  EXPECT_EQ(list[1].Find("c").text(), "d");
  EXPECT_EQ(list[1].Find("c").mark().column, 8);
  EXPECT_FALSE(list[2].IsDefined());
  EXPECT_FALSE(root.Find("nothing").IsDefined());
  EXPECT_FALSE(YamlNode().mark().known());
}

TEST(YamlTreeTest, NullsAreThePlainUntaggedOnes) {
  const YamlStream stream =
      Parse("a:\nb: ~\nc: null\nd: NULL\ne: \"null\"\nf: ''\ng: !!str\nh: Nul\n");
  const YamlNode root = stream.document(0);
  for (const char* key : {"a", "b", "c", "d"}) {
    EXPECT_TRUE(root.Find(key).IsNull()) << key;
    EXPECT_EQ(root.Find(key).text(), "") << key;
  }
  EXPECT_TRUE(root.Find("e").IsScalar());
  EXPECT_EQ(root.Find("e").text(), "null");
  EXPECT_TRUE(root.Find("e").quoted());
  EXPECT_TRUE(root.Find("f").IsScalar());
  EXPECT_TRUE(root.Find("g").IsScalar());
  EXPECT_EQ(root.Find("g").text(), "");
  EXPECT_FALSE(root.Find("h").quoted());
  // An empty value is where it is missing.
  EXPECT_EQ(root.Find("a").mark().line, 0);
  EXPECT_EQ(root.Find("a").mark().column, 2);
}

TEST(YamlTreeTest, KeepsScalarsAsWrittenWithWhetherTheyWereQuoted) {
  const YamlStream stream =
      Parse("n: 10\nq: \"10\"\nt: true\nl: |\n  one\n  two\nesc: \"a\\tb\"\n");
  const YamlNode root = stream.document(0);
  EXPECT_EQ(root.Find("n").text(), "10");
  EXPECT_FALSE(root.Find("n").quoted());
  EXPECT_EQ(root.Find("q").text(), "10");
  EXPECT_TRUE(root.Find("q").quoted());
  EXPECT_EQ(root.Find("t").text(), "true");
  EXPECT_EQ(root.Find("l").text(), "one\ntwo\n");
  EXPECT_TRUE(root.Find("l").quoted());
  EXPECT_EQ(root.Find("esc").text(), "a\tb");
}

TEST(YamlTreeTest, KeepsKeysWrittenTwiceInOrder) {
  const YamlStream stream = Parse("a: 1\nb: 2\na: 3\n");
  const YamlNode root = stream.document(0);
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root.key(2).text(), "a");
  EXPECT_EQ(root.Find("a").text(), "1");  // the first
}

TEST(YamlTreeTest, LinesCountFromTheFirstLineAndColumnsInBytes) {
  const YamlStream stream = Parse("a: \"\xC3\xA9t\xC3\xA9\"\nb: [\xC3\xA9, x]\n", 10);
  const YamlNode root = stream.document(0);
  EXPECT_EQ(root.Find("b").mark().line, 11);
  EXPECT_EQ(root.Find("b")[1].mark().column, 8);  // after a two-byte character
  EXPECT_THAT(Error("a: 1\nb: [\xC3\xA9, x\n"), HasSubstr("t.yaml:3:1: invalid YAML:"));
}

TEST(YamlTreeTest, SplitsDocuments) {
  YamlStream stream = Parse("a: 1\n---\nb: 2\n--- [3]\n---\n");
  ASSERT_EQ(stream.size(), 4u);
  EXPECT_EQ(stream.document(1).Find("b").text(), "2");
  EXPECT_EQ(stream.document_start(1).line, 1);
  EXPECT_TRUE(stream.document(2).IsSequence());
  EXPECT_TRUE(stream.document(3).IsNull());
  EXPECT_EQ(Parse("# nothing\n").size(), 0u);
}

TEST(YamlTreeTest, ResolvesAliasesWithoutCopies) {
  const YamlStream stream = Parse("base: &b {x: 1}\nuse: *b\nlist: [*b, *b]\n");
  const YamlNode root = stream.document(0);
  ASSERT_TRUE(root.Find("use").IsMap());
  EXPECT_EQ(root.Find("use").Find("x").text(), "1");
  EXPECT_EQ(root.Find("list")[1].Find("x").text(), "1");
  EXPECT_EQ(root.Find("use").mark().line, 0);  // the anchored node itself
}

TEST(YamlTreeTest, RefusesAliasesItCannotResolve) {
  EXPECT_THAT(Error("a: *nope\n"),
              HasSubstr("t.yaml:1:4: invalid YAML: alias *nope has no anchor"));
  EXPECT_THAT(Error("a: &x [1, *x]\n"), HasSubstr("alias *x is inside the node it stands for"));
  EXPECT_THAT(Error("a: &x 1\n---\nb: *x\n"), HasSubstr("t.yaml:3:4"));  // anchors are per document
}

TEST(YamlTreeTest, RefusesAnAliasBomb) {
  const std::string text = AliasBomb();
  EXPECT_THAT(Error(text), HasSubstr("aliases stand for more than 16 MiB of copies"));
}

TEST(YamlTreeTest, RefusesDeepNesting) {
  EXPECT_THAT(Error(std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']')),
              HasSubstr("nested more than 500 levels deep"));
  Parse(std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']'));
}

TEST(YamlTreeTest, ReportsLibyamlsErrorsWithTheirPosition) {
  EXPECT_THAT(Error("a: [1, 2\n"),
              HasSubstr("t.yaml:2:1: invalid YAML: did not find expected ',' or ']' (while "
                        "parsing a flow sequence started at 1:4)"));
  EXPECT_THAT(Error("a: \"open\n"), HasSubstr("t.yaml:2:1: invalid YAML:"));
  EXPECT_THAT(Error("a:\n\tb: 1\n"), HasSubstr("t.yaml:2:1: invalid YAML: found character that "
                                               "cannot start any token"));
  EXPECT_THAT(Error("a:\n\tb: 1\n"), HasSubstr("this is a tab: use spaces"));
  EXPECT_THAT(Error("a: b\n\xFF: c\n"),
              HasSubstr("t.yaml:2:1: invalid YAML: invalid leading UTF-8 octet (0xff)"));
  EXPECT_THAT(Error("a: 1\nb: 2\n c: 3\n"), HasSubstr("t.yaml:3:3: invalid YAML:"));
}

}  // namespace
}  // namespace meshup::config
