// The live configuration of a process: the current Snapshot of its config
// directory, reloaded when the directory changes.
//
// Current() is cheap and takes no lock while the snapshot is unchanged (see
// util/read_mostly_ptr.h); a call keeps the snapshot it got for its whole
// life. A reload that fails leaves the last good snapshot in place, counts
// the failure and keeps its message for /config_dump: a bad update is
// rejected whole.
#ifndef MESHUP_SRC_CONFIG_CONFIG_SOURCE_H_
#define MESHUP_SRC_CONFIG_CONFIG_SOURCE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/loader.h"
#include "config/snapshot.h"
#include "loop/directory_watcher.h"
#include "loop/event_loop.h"
#include "util/read_mostly_ptr.h"

namespace meshup::config {

class ConfigSource {
 public:
  // An empty configuration, never reloaded (no config directory).
  ConfigSource();
  ~ConfigSource();

  // Loads `directory` and watches it on `loop`. Fails when the first load
  // fails: a process does not start on a bad configuration.
  static absl::StatusOr<std::unique_ptr<ConfigSource>> Watch(const std::string& directory,
                                                             internal::EventLoop& loop);

  std::shared_ptr<const Snapshot> Current() const { return current_.Load(); }

  // Loads the directory again now; the watcher calls this on changes. Every
  // file is read, and only those whose text changed since the last reload
  // (or that were refused then) are parsed again.
  absl::Status Reload();
  // Stops watching; no reload and no listener runs after it returns.
  void StopWatching() { watcher_.reset(); }

  // Called after each successful swap, on the thread that reloaded.
  void OnSwap(std::function<void(const std::shared_ptr<const Snapshot>&)> listener);

  int64_t generation() const { return generation_.load(); }
  int64_t reload_failures() const { return reload_failures_.load(); }
  const std::atomic<int64_t>& reload_failures_counter() const { return reload_failures_; }
  std::string last_error() const;
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  internal::ReadMostlyPtr<const Snapshot> current_;
  std::atomic<int64_t> generation_{0};
  std::atomic<int64_t> reload_failures_{0};
  mutable std::mutex mu_;
  std::string last_error_;  // guarded by mu_
  // guarded by mu_
  std::vector<std::function<void(const std::shared_ptr<const Snapshot>&)>> listeners_;
  std::mutex reload_mu_;  // one reload at a time
  // The directory's files as last read: a reload parses only those that
  // changed. Guarded by reload_mu_.
  ParsedFileCache parsed_files_;
  std::unique_ptr<internal::DirectoryWatcher> watcher_;
};

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_CONFIG_SOURCE_H_
