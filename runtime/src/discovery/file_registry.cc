#include "discovery/file_registry.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "config/yaml_tree.h"
#include "loop/directory_watcher.h"
#include "util/files.h"
#include "util/process_identity.h"
#include "yaml-cpp/yaml.h"

namespace meshup::internal {
namespace {

// A WorkloadEntry is a few hundred bytes; anything much larger is not one.
constexpr size_t kMaxRegistryFileBytes = 64 << 10;

// Who registered an entry: readers on the same host (HostKey()) ignore the
// entry once that process is gone.
constexpr char kOwnerHostAnnotation[] = "meshup.dev/owner-host";
constexpr char kOwnerPidAnnotation[] = "meshup.dev/owner-pid";
constexpr char kOwnerStartTimeAnnotation[] = "meshup.dev/owner-start-time";

bool IsFileSafeName(absl::string_view name) {
  if (name.empty() || name.size() > 253 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

class FileWatch final : public Registry::Watch {
 public:
  FileWatch(FileRegistry& registry, EventLoop& loop, const std::string& directory,
            std::string service, Registry::OnChange on_change)
      : registry_(registry), service_(std::move(service)), on_change_(std::move(on_change)) {
    loop.Post([this](uv_loop_t*) { Report(); });
    watcher_ = std::make_unique<DirectoryWatcher>(loop, directory, [this] { Report(); });
  }

 private:
  // Runs on the loop thread only.
  void Report() {
    std::vector<WorkloadRecord> workloads;
    for (WorkloadRecord& record : registry_.ReadAll()) {
      if (record.service() == service_) workloads.push_back(std::move(record));
    }
    if (reported_ && workloads == last_) return;
    reported_ = true;
    last_ = workloads;
    on_change_(workloads);
  }

  FileRegistry& registry_;
  const std::string service_;
  Registry::OnChange on_change_;
  bool reported_ = false;
  std::vector<WorkloadRecord> last_;
  std::unique_ptr<DirectoryWatcher> watcher_;  // last: stops before the rest goes
};

// The owner recorded in a registry file's annotations, if any.
void ReadOwner(const std::string& file, const std::string& text, FileRegistry::Entry& entry) {
  absl::StatusOr<config::YamlStream> stream = config::ParseYaml(text, file);
  if (!stream.ok()) return;
  for (size_t i = 0; i < stream->size(); ++i) {
    const config::YamlNode annotations = stream->document(i).Find("metadata").Find("annotations");
    const config::YamlNode host = annotations.Find(kOwnerHostAnnotation);
    const config::YamlNode pid = annotations.Find(kOwnerPidAnnotation);
    const config::YamlNode start = annotations.Find(kOwnerStartTimeAnnotation);
    ProcessIdentity owner;
    if (!host.IsScalar() || !absl::SimpleAtoi(pid.text(), &owner.pid) ||
        !absl::SimpleAtoi(start.text(), &owner.start_time)) {
      continue;
    }
    entry.owner_host = std::string(host.text());
    entry.owner = owner;
    return;
  }
}

bool OwnerIsGone(const FileRegistry::Entry& entry) {
  return !entry.owner_host.empty() && entry.owner_host == HostKey() && !IsAlive(entry.owner);
}

}  // namespace

std::string WorkloadEntryYaml(const WorkloadRecord& workload, const std::string& owner_host,
                              const ProcessIdentity& owner) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "networking.istio.io/v1";
  out << YAML::Key << "kind" << YAML::Value << "WorkloadEntry";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << workload.name;
  out << YAML::Key << "namespace" << YAML::Value << workload.namespace_name;
  if (!owner_host.empty()) {
    out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << kOwnerHostAnnotation << YAML::Value << owner_host;
    out << YAML::Key << kOwnerPidAnnotation << YAML::Value << YAML::DoubleQuoted
        << std::to_string(owner.pid);
    out << YAML::Key << kOwnerStartTimeAnnotation << YAML::Value << YAML::DoubleQuoted
        << std::to_string(owner.start_time);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "address" << YAML::Value << workload.address;
  out << YAML::Key << "ports" << YAML::Value << YAML::BeginMap;
  if (workload.port != 0) out << YAML::Key << "grpc" << YAML::Value << workload.port;
  if (workload.http_port != 0) {
    out << YAML::Key << kHttpPortName << YAML::Value << workload.http_port;
  }
  if (workload.plaintext_port != 0) {
    out << YAML::Key << kPlaintextPortName << YAML::Value << workload.plaintext_port;
  }
  if (workload.admin_port != 0) {
    out << YAML::Key << kAdminPortName << YAML::Value << workload.admin_port;
  }
  out << YAML::EndMap;
  out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
  for (const auto& [key, value] : workload.labels) out << YAML::Key << key << YAML::Value << value;
  out << YAML::EndMap;
  if (!workload.service_account.empty()) {
    out << YAML::Key << "serviceAccount" << YAML::Value << workload.service_account;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string WorkloadEntryYaml(const WorkloadRecord& workload) {
  return WorkloadEntryYaml(workload, "", ProcessIdentity());
}

absl::StatusOr<WorkloadRecord> ParseWorkloadEntryYaml(const std::string& file_name,
                                                      const std::string& text) {
  auto snapshot = config::LoadConfigFiles({{file_name, text}});
  if (!snapshot.ok()) return snapshot.status();
  const auto& entries = (*snapshot)->workload_entries;
  if (entries.size() != 1 || !(*snapshot)->virtual_services.empty() ||
      !(*snapshot)->destination_rules.empty() || !(*snapshot)->service_entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": a registry file holds exactly one WorkloadEntry"));
  }
  const config::Workload& entry = entries[0];
  WorkloadRecord record;
  record.name = entry.origin.name;
  record.namespace_name = entry.origin.namespace_name;
  record.address = entry.address;
  record.labels = entry.labels;
  record.service_account = entry.service_account;
  auto http = entry.ports.find(kHttpPortName);
  if (http != entry.ports.end()) record.http_port = http->second;
  if (auto grpc = entry.ports.find("grpc"); grpc != entry.ports.end()) {
    record.port = grpc->second;
  } else if (entry.ports.size() == 1 && http == entry.ports.end()) {
    record.port = entry.ports.begin()->second;
  } else if (http == entry.ports.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name, ": spec.ports needs a port named grpc or http (or exactly one port)"));
  }
  if (auto plaintext = entry.ports.find(kPlaintextPortName); plaintext != entry.ports.end()) {
    record.plaintext_port = plaintext->second;
  }
  if (auto admin = entry.ports.find(kAdminPortName); admin != entry.ports.end()) {
    record.admin_port = admin->second;
  }
  return record;
}

absl::StatusOr<std::unique_ptr<FileRegistry>> FileRegistry::Open(std::string directory,
                                                                 EventLoop& loop) {
  absl::Status made = MakeDirectories(directory);
  if (!made.ok()) return made;
  return std::unique_ptr<FileRegistry>(new FileRegistry(std::move(directory), loop));
}

absl::Status FileRegistry::Register(const WorkloadRecord& workload) {
  if (!IsFileSafeName(workload.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "workload name '", workload.name, "' must be lowercase letters, digits, '-' and '.'"));
  }
  if (workload.service().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload ", workload.name, " has no app label: its service is unknown"));
  }
  // The entry names this process, so that readers on this host can tell
  // when it is gone without deregistering (killed).
  return WriteFileAtomically(absl::StrCat(directory_, "/", workload.name, ".yaml"),
                             WorkloadEntryYaml(workload, HostKey(), SelfIdentity()), 0644);
}

absl::Status FileRegistry::Deregister(absl::string_view name) {
  if (!IsFileSafeName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("workload name '", name, "' is not valid"));
  }
  const std::string path = absl::StrCat(directory_, "/", name, ".yaml");
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::UnavailableError(absl::StrCat("cannot remove ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

std::unique_ptr<Registry::Watch> FileRegistry::WatchService(absl::string_view service,
                                                            OnChange on_change) {
  return std::make_unique<FileWatch>(*this, loop_, directory_, std::string(service),
                                     std::move(on_change));
}

std::vector<WorkloadRecord> FileRegistry::ReadAll() {
  std::vector<WorkloadRecord> records;
  for (Entry& entry : ReadEntries()) records.push_back(std::move(entry.record));
  return records;
}

namespace {

std::vector<std::string> RegistryFileNames(const std::string& directory) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(directory.c_str())) {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (!name.empty() && name[0] != '.' && absl::EndsWith(name, ".yaml")) names.push_back(name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<FileRegistry::Entry> FileRegistry::ReadEntries() {
  const std::vector<std::string> names = RegistryFileNames(directory_);
  std::vector<Entry> entries;
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Entry> good;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(directory_, "/", name);
    // Only a small regular file is read: a FIFO must not hang the loop
    // thread, nor a huge file be read at every change.
    absl::StatusOr<std::string> text = ReadRegularFile(path, kMaxRegistryFileBytes);
    if (absl::IsNotFound(text.status())) continue;  // removed since listed: deregistered
    absl::StatusOr<WorkloadRecord> record = text.ok()
                                                ? ParseWorkloadEntryYaml(path, *text)
                                                : absl::StatusOr<WorkloadRecord>(text.status());
    if (record.ok()) {
      Entry entry;
      entry.record = *std::move(record);
      ReadOwner(path, *text, entry);
      if (OwnerIsGone(entry)) {
        warnings_.push_back(absl::StrCat(path, ": its workload's process (pid ", entry.owner.pid,
                                         ") is gone; ignored"));
      } else {
        good[name] = entry;
        entries.push_back(std::move(entry));
      }
    } else if (auto last = last_good_.find(name);
               last != last_good_.end() && !OwnerIsGone(last->second)) {
      warnings_.push_back(
          absl::StrCat(record.status().message(), " (keeping its last good record)"));
      good[name] = last->second;
      entries.push_back(last->second);
    } else {
      warnings_.push_back(std::string(record.status().message()));
    }
    if (warnings_.size() > 100) warnings_.erase(warnings_.begin());
  }
  last_good_ = std::move(good);
  return entries;
}

absl::StatusOr<int> FileRegistry::RemoveEntriesOfGoneProcesses(const std::string& directory) {
  int removed = 0;
  for (const std::string& name : RegistryFileNames(directory)) {
    const std::string path = absl::StrCat(directory, "/", name);
    absl::StatusOr<std::string> text = ReadRegularFile(path, kMaxRegistryFileBytes);
    if (!text.ok()) continue;
    Entry entry;
    ReadOwner(path, *text, entry);
    if (!OwnerIsGone(entry)) continue;
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return absl::UnavailableError(absl::StrCat("cannot remove ", path, ": ", strerror(errno)));
    }
    ++removed;
  }
  return removed;
}

std::vector<std::string> FileRegistry::warnings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warnings_;
}

}  // namespace meshup::internal
