// The embedded registry: a directory with one WorkloadEntry YAML file per
// live workload, named <workload name>.yaml. Register() writes the file
// atomically (a temporary file, then rename), Deregister() removes it, and
// watchers follow the directory with a DirectoryWatcher. Any process that
// shares the directory shares the registry: this is how `meshup up` runs a
// mesh on one machine with no server at all. A file that cannot be read is
// skipped (its workload keeps its last known record) and reported in
// warnings(); only regular files of at most 64 KiB are read (a FIFO or a
// device there is refused unread, and so is a larger file).
//
// Register() records in the entry's annotations which process registered it
// (meshup.dev/owner-host, -pid, -start-time). A reader on the same host
// (the same boot and pid namespace) ignores an entry whose process is gone,
// as after a kill -9 that left no time to deregister (a watch reports it
// gone at the directory's next change). Entries from other hosts, and
// entries without these annotations, are taken as they are.
#ifndef MESHUP_SRC_DISCOVERY_FILE_REGISTRY_H_
#define MESHUP_SRC_DISCOVERY_FILE_REGISTRY_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "discovery/registry.h"
#include "loop/event_loop.h"
#include "util/process_identity.h"

namespace meshup::internal {

class FileRegistry final : public Registry {
 public:
  // `directory` is created if missing; `loop` must outlive the registry.
  static absl::StatusOr<std::unique_ptr<FileRegistry>> Open(std::string directory, EventLoop& loop);

  absl::Status Register(const WorkloadRecord& workload) override;
  absl::Status Deregister(absl::string_view name) override;
  std::unique_ptr<Watch> WatchService(absl::string_view service, OnChange on_change) override;

  // Every workload in the directory, sorted by name.
  std::vector<WorkloadRecord> ReadAll();

  // A workload and the process that registered it (unknown: owner_host
  // empty).
  struct Entry {
    WorkloadRecord record;
    std::string owner_host;
    ProcessIdentity owner;
  };

  // Removes the entries in `directory` whose registering process, on this
  // host, is gone; returns how many.
  static absl::StatusOr<int> RemoveEntriesOfGoneProcesses(const std::string& directory);
  std::vector<std::string> warnings() const;

 private:
  FileRegistry(std::string directory, EventLoop& loop)
      : directory_(std::move(directory)), loop_(loop) {}
  // ReadAll() with each entry's owner.
  std::vector<Entry> ReadEntries();

  const std::string directory_;
  EventLoop& loop_;
  mutable std::mutex mu_;
  // The last good record of each file, kept when the file turns unreadable.
  std::map<std::string, Entry> last_good_;           // guarded by mu_
  std::vector<std::string> warnings_;                // guarded by mu_
};

// The WorkloadEntry document for `workload` (with the owner annotations
// when `owner_host` is not empty), and back.
std::string WorkloadEntryYaml(const WorkloadRecord& workload);
std::string WorkloadEntryYaml(const WorkloadRecord& workload, const std::string& owner_host,
                              const ProcessIdentity& owner);
absl::StatusOr<WorkloadRecord> ParseWorkloadEntryYaml(const std::string& file_name,
                                                      const std::string& text);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_DISCOVERY_FILE_REGISTRY_H_
