# Writes a C++ source that holds the given template files as string literals.
# Run as a script: cmake -DBASE_DIR=<templates/> -DOUTPUT=<file.cc> -DFILES=<a|b> -P EmbedTemplates.cmake
string(REPLACE "|" ";" FILES "${FILES}")
set(_delimiter "meshup_tpl")
set(_body "")
foreach(_file IN LISTS FILES)
  file(RELATIVE_PATH _name "${BASE_DIR}" "${_file}")
  file(READ "${_file}" _text)
  string(FIND "${_text}" ")${_delimiter}\"" _clash)
  if(NOT _clash EQUAL -1)
    message(FATAL_ERROR "${_file} contains the raw-string delimiter )${_delimiter}\"")
  endif()
  string(APPEND _body "    {\"${_name}\", R\"${_delimiter}(${_text})${_delimiter}\"},\n")
endforeach()
set(_content "// Generated at build time by cmake/EmbedTemplates.cmake from templates/. DO NOT EDIT.
#include \"codegen/embedded_templates.h\"

namespace meshup::codegen {
namespace {

constexpr EmbeddedTemplate kTemplates[] = {
${_body}};

}  // namespace

absl::Span<const EmbeddedTemplate> EmbeddedTemplates() { return kTemplates; }

}  // namespace meshup::codegen
")
# Only touch the output when it changes, so that nothing rebuilds needlessly.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" _old)
  if(_old STREQUAL _content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${_content}")
