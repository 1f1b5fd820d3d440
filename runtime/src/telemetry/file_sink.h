// Telemetry files (spans, access log) as JSON lines, rotated by size so that
// they never grow without bound:
//
//   access.jsonl     the current file; once the next batch would take it
//                    past max_bytes, it is renamed
//   access.jsonl.1   the one before, ... up to access.jsonl.<max_files - 1>;
//                    the oldest is removed
//
// Several processes may append to one file (`meshup up` shares it among its
// workloads): a batch is one write() with O_APPEND, so lines never
// interleave, and one process rotates under an flock() of the file while
// the others notice the rename and reopen.
#ifndef MESHUP_SRC_TELEMETRY_FILE_SINK_H_
#define MESHUP_SRC_TELEMETRY_FILE_SINK_H_

#include <cstdint>
#include <string>

#include "telemetry/async_batcher.h"

namespace meshup::internal {

struct FileRotation {
  static constexpr uint64_t kDefaultMaxBytes = uint64_t{10} << 20;  // 10 MiB
  uint64_t max_bytes = kDefaultMaxBytes;                            // 0: never rotate
  int max_files = 3;  // the current file included; at least 1
};

// A sink appending each line and a newline to `path` (created if missing),
// rotated as `rotation` says.
AsyncBatcher::Sink FileLineSink(std::string path, FileRotation rotation = {});

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_FILE_SINK_H_
