// Turns the view model into the data that the C++ templates render
// (templates/cpp/*.mustache). Every key a template names is present at its
// level, so the strict renderer can refuse a template that names anything
// else.
#ifndef MESHUP_CODEGEN_TEMPLATE_DATA_H_
#define MESHUP_CODEGEN_TEMPLATE_DATA_H_

#include <string>

#include "absl/time/time.h"
#include "codegen/view_model.h"
#include "kainjow/mustache.hpp"

namespace meshup::codegen {

// A C++ expression of type absl::Duration for `duration`, in the largest unit
// that represents it exactly: "::absl::Milliseconds(1500)".
std::string DurationExpression(absl::Duration duration);

kainjow::mustache::data ToTemplateData(const FileView& file);

// Comment lines as a list of {line}, each with one space after the comment
// marker the template writes ("//", "#") unless it starts with one.
kainjow::mustache::data CommentLines(const std::vector<std::string>& lines);

}  // namespace meshup::codegen

#endif  // MESHUP_CODEGEN_TEMPLATE_DATA_H_
