// Watches a directory's files and reports changes, on the loop thread.
//
// A change is any file added, removed, or changed in size or modification
// time, or any other entry (a FIFO, ...) added or removed. libuv's file events report it at once
// (after `debounce`, so that a burst of writes makes one report); a poll every `poll_interval`
// catches what events miss (some filesystems send none). `on_change` runs only when the directory's
// contents really differ from the last report, never concurrently with itself. Destroying the
// watcher stops it; after the destructor returns, `on_change` never runs again. Not to be destroyed
// on the loop thread.
#ifndef MESHUP_SRC_LOOP_DIRECTORY_WATCHER_H_
#define MESHUP_SRC_LOOP_DIRECTORY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "loop/event_loop.h"

namespace meshup::internal {

// The names, sizes and modification times of the regular files directly in
// `directory` (and the names and types of its other entries: a FIFO or a
// device appearing is a change too, which readers then refuse), as one
// comparable string; empty when it cannot be read. Only stat(), never a
// read: it cannot block on a FIFO.
std::string DirectoryFingerprint(const std::string& directory);

class DirectoryWatcher {
 public:
  DirectoryWatcher(EventLoop& loop, std::string directory, std::function<void()> on_change,
                   absl::Duration debounce = absl::Milliseconds(50),
                   absl::Duration poll_interval = absl::Milliseconds(500));
  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

 private:
  struct State;
  EventLoop& loop_;
  State* state_;  // owned by the loop thread; freed when its handles close
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_LOOP_DIRECTORY_WATCHER_H_
