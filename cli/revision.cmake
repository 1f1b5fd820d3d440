# Writes OUTPUT, a header defining MESHUP_REVISION: the git revision of
# SOURCE_DIR ("unknown" when SOURCE_DIR is not the top of a git work tree),
# with "-dirty" when it has uncommitted changes. The file is rewritten only
# when the revision changed, so that a build recompiles only then.
set(revision "unknown")
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --show-toplevel
                OUTPUT_VARIABLE top RESULT_VARIABLE top_result
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(top_result EQUAL 0)
  get_filename_component(top "${top}" REALPATH)
  get_filename_component(source "${SOURCE_DIR}" REALPATH)
  if(top STREQUAL source)
    execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                    OUTPUT_VARIABLE head RESULT_VARIABLE head_result
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(head_result EQUAL 0 AND NOT head STREQUAL "")
      set(revision "${head}")
      execute_process(COMMAND git -C "${SOURCE_DIR}" diff-index --quiet HEAD --
                      RESULT_VARIABLE dirty ERROR_QUIET)
      if(dirty EQUAL 1)
        set(revision "${revision}-dirty")
      endif()
    endif()
  endif()
endif()
set(content "#define MESHUP_REVISION \"${revision}\"\n")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
