# Defines the imported target meshup::http_parser for http-parser (Debian's
# libhttp-parser-dev ships neither a CMake config nor a pkg-config file).
# Included by runtime/CMakeLists.txt and by the installed meshupConfig.cmake,
# since the static runtime links it.
if(NOT TARGET meshup::http_parser)
  find_path(MESHUP_HTTP_PARSER_INCLUDE_DIR http_parser.h)
  find_library(MESHUP_HTTP_PARSER_LIBRARY http_parser)
  if(NOT MESHUP_HTTP_PARSER_INCLUDE_DIR OR NOT MESHUP_HTTP_PARSER_LIBRARY)
    message(FATAL_ERROR "http-parser not found: install libhttp-parser-dev")
  endif()
  add_library(meshup::http_parser UNKNOWN IMPORTED GLOBAL)
  set_target_properties(meshup::http_parser PROPERTIES
    IMPORTED_LOCATION "${MESHUP_HTTP_PARSER_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MESHUP_HTTP_PARSER_INCLUDE_DIR}")
endif()
