# meshup_generate(TARGET <target> PROTOS <file.proto>...
#                 [PROTO_ROOT <dir>] [IMPORT_DIRS <dir>...] [OUT_DIR <dir>]
#                 [TEMPLATES_DIR <dir>])
#
# Compiles .proto files into Protobuf messages (protoc's --cpp_out) and typed
# MeshUp clients and services (protoc-gen-meshup), adds the generated sources
# to <target> (a static library of that name is created if it does not exist)
# and links it with the MeshUp runtime. For PROTO_ROOT/foo/bar.proto, code
# includes "foo/bar.meshup.h" and "foo/bar.pb.h".
#
#   PROTO_ROOT     the directory .proto imports are relative to
#                  (default: the current source directory)
#   IMPORT_DIRS    further directories to search for imports
#   OUT_DIR        where generated files go (default: <binary dir>/meshup_gen)
#   TEMPLATES_DIR  render these templates instead of the plugin's built-in ones
#
# Generation reruns when a .proto, the plugin (so a built-in template) or a
# template in TEMPLATES_DIR changes.
include_guard(GLOBAL)

# meshup_generate_sources(<sources-var> PROTO_ROOT <dir> OUT_DIR <dir>
#                         PROTOS <file.proto>... [IMPORT_DIRS <dir>...]
#                         [TEMPLATES_DIR <dir>] [CONTEXT <name>])
#
# The generation step of meshup_generate() alone: adds the commands that
# write the .pb and .meshup sources of PROTOS under OUT_DIR and sets
# <sources-var> to the .cc files, for a target that compiles them itself
# (the runtime, which serves gRPC's standard services this way).
function(meshup_generate_sources _out_var)
  cmake_parse_arguments(ARG "" "PROTO_ROOT;OUT_DIR;TEMPLATES_DIR;CONTEXT" "PROTOS;IMPORT_DIRS" ${ARGN})
  if(NOT ARG_CONTEXT)
    set(ARG_CONTEXT "meshup_generate_sources")
  endif()
  if(TARGET protoc-gen-meshup)
    set(_plugin protoc-gen-meshup)
    get_property(_idl_dir GLOBAL PROPERTY MESHUP_IDL_DIR)
  else()
    set(_plugin meshup::protoc-gen-meshup)
    set(_idl_dir ${MESHUP_INSTALLED_IDL_DIR})
  endif()

  set(_includes -I${ARG_PROTO_ROOT} -I${_idl_dir})
  foreach(_dir IN LISTS ARG_IMPORT_DIRS)
    get_filename_component(_dir "${_dir}" ABSOLUTE)
    list(APPEND _includes -I${_dir})
  endforeach()
  foreach(_dir IN LISTS Protobuf_INCLUDE_DIRS)
    list(APPEND _includes -I${_dir})
  endforeach()

  set(_meshup_opt "")
  set(_template_deps "")
  if(ARG_TEMPLATES_DIR)
    get_filename_component(ARG_TEMPLATES_DIR "${ARG_TEMPLATES_DIR}" ABSOLUTE)
    set(_meshup_opt "--meshup_opt=templates_dir=${ARG_TEMPLATES_DIR}")
    file(GLOB_RECURSE _template_deps CONFIGURE_DEPENDS ${ARG_TEMPLATES_DIR}/*.mustache)
  endif()

  set(_sources "")
  foreach(_proto IN LISTS ARG_PROTOS)
    get_filename_component(_abs "${_proto}" ABSOLUTE)
    file(RELATIVE_PATH _rel "${ARG_PROTO_ROOT}" "${_abs}")
    if(_rel MATCHES "^\\.\\./")
      message(FATAL_ERROR "${ARG_CONTEXT}: ${_proto} is not under PROTO_ROOT ${ARG_PROTO_ROOT}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" _base "${_rel}")
    set(_outputs
      ${ARG_OUT_DIR}/${_base}.pb.h ${ARG_OUT_DIR}/${_base}.pb.cc
      ${ARG_OUT_DIR}/${_base}.meshup.h ${ARG_OUT_DIR}/${_base}.meshup.cc)
    add_custom_command(
      OUTPUT ${_outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUT_DIR}
      COMMAND protobuf::protoc ${_includes}
              --cpp_out=${ARG_OUT_DIR}
              --plugin=protoc-gen-meshup=$<TARGET_FILE:${_plugin}>
              --meshup_out=${ARG_OUT_DIR} ${_meshup_opt}
              ${_abs}
      DEPENDS ${_abs} ${_plugin} protobuf::protoc ${_template_deps}
      COMMENT "Generating MeshUp C++ from ${_rel}"
      VERBATIM)
    list(APPEND _sources ${ARG_OUT_DIR}/${_base}.pb.cc ${ARG_OUT_DIR}/${_base}.meshup.cc)
  endforeach()

  set(${_out_var} ${_sources} PARENT_SCOPE)
endfunction()

function(meshup_generate)
  cmake_parse_arguments(ARG "" "TARGET;PROTO_ROOT;OUT_DIR;TEMPLATES_DIR" "PROTOS;IMPORT_DIRS" ${ARGN})
  if(NOT ARG_TARGET)
    message(FATAL_ERROR "meshup_generate: TARGET is required")
  endif()
  if(NOT ARG_PROTOS)
    message(FATAL_ERROR "meshup_generate(TARGET ${ARG_TARGET}): PROTOS lists no .proto file")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "meshup_generate(TARGET ${ARG_TARGET}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_PROTO_ROOT)
    set(ARG_PROTO_ROOT ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  get_filename_component(ARG_PROTO_ROOT "${ARG_PROTO_ROOT}" ABSOLUTE)
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/meshup_gen)
  endif()

  meshup_generate_sources(_sources PROTO_ROOT ${ARG_PROTO_ROOT} OUT_DIR ${ARG_OUT_DIR}
    PROTOS ${ARG_PROTOS} IMPORT_DIRS ${ARG_IMPORT_DIRS} TEMPLATES_DIR "${ARG_TEMPLATES_DIR}"
    CONTEXT "meshup_generate(TARGET ${ARG_TARGET})")

  if(NOT TARGET ${ARG_TARGET})
    add_library(${ARG_TARGET} STATIC)
  endif()
  target_sources(${ARG_TARGET} PRIVATE ${_sources})
  target_include_directories(${ARG_TARGET} PUBLIC ${ARG_OUT_DIR})
  target_link_libraries(${ARG_TARGET} PUBLIC meshup::runtime)
endfunction()
