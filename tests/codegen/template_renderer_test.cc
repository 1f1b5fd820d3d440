#include "codegen/template_renderer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::codegen {
namespace {

using kainjow::mustache::data;
using ::testing::HasSubstr;

std::string Render(const std::string& text, const data& data) {
  absl::StatusOr<std::string> out = RenderTemplate("test.mustache", text, data);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

TEST(TemplateRendererTest, WritesValuesWithoutHtmlEscaping) {
  data d;
  d.set("type", "std::map<int, std::string>");
  d.set("text", "\"a\" && 'b'");
  EXPECT_EQ(Render("{{type}} x = {{text}};", d), "std::map<int, std::string> x = \"a\" && 'b';");
}

TEST(TemplateRendererTest, FailsOnAKeyTheDataLacks) {
  data d;
  d.set("present", "yes");
  absl::StatusOr<std::string> out = RenderTemplate("cpp/x.mustache", "{{present}} {{absent}}", d);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("template cpp/x.mustache"));
  EXPECT_THAT(out.status().message(), HasSubstr("absent"));
}

TEST(TemplateRendererTest, FailsOnAMissingSectionKey) {
  absl::StatusOr<std::string> out = RenderTemplate("t", "{{#items}}x{{/items}}", data());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("items"));
}

TEST(TemplateRendererTest, FailsOnATemplateThatDoesNotParse) {
  absl::StatusOr<std::string> out = RenderTemplate("t", "{{#open}} never closed", data());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("does not parse"));
}

TEST(TemplateRendererTest, StandaloneTagLinesRenderAsNothing) {
  data d;
  d.set("yes", data::type::bool_true);
  d.set("no", data::type::bool_false);
  data list = data::type::list;
  list.push_back(data("v", "1"));
  list.push_back(data("v", "2"));
  d.set("list", list);
  const std::string text =
      "A\n"
      "  {{#no}}\n"
      "hidden\n"
      "  {{/no}}\n"
      "{{#yes}}\n"
      "shown\n"
      "{{/yes}}\n"
      "{{#list}}\n"
      "\n"
      "v{{v}}\n"
      "{{/list}}\n"
      "{{! a comment line }}\n"
      "Z\n";
  EXPECT_EQ(Render(text, d), "A\nshown\n\nv1\n\nv2\nZ\n");
}

TEST(TemplateRendererTest, KeepsTagsThatShareTheirLine) {
  data d;
  d.set("yes", data::type::bool_true);
  EXPECT_EQ(Render("a {{#yes}}b{{/yes}}\nc\n", d), "a b\nc\n");
}

}  // namespace
}  // namespace meshup::codegen
