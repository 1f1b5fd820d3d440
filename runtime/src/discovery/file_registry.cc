#include "discovery/file_registry.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "loop/directory_watcher.h"
#include "util/files.h"
#include "yaml-cpp/yaml.h"

namespace meshup::internal {
namespace {

// A WorkloadEntry is a few hundred bytes; anything much larger is not one.
constexpr size_t kMaxRegistryFileBytes = 64 << 10;

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

}  // namespace

std::string WorkloadEntryYaml(const WorkloadRecord& workload) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "networking.istio.io/v1";
  out << YAML::Key << "kind" << YAML::Value << "WorkloadEntry";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << workload.name;
  out << YAML::Key << "namespace" << YAML::Value << workload.namespace_name;
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "address" << YAML::Value << workload.address;
  out << YAML::Key << "ports" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "grpc" << YAML::Value << workload.port;
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
  if (auto grpc = entry.ports.find("grpc"); grpc != entry.ports.end()) {
    record.port = grpc->second;
  } else if (entry.ports.size() == 1) {
    record.port = entry.ports.begin()->second;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": spec.ports needs a port named grpc (or exactly one port)"));
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
  return WriteFileAtomically(absl::StrCat(directory_, "/", workload.name, ".yaml"),
                             WorkloadEntryYaml(workload), 0644);
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
  std::vector<std::string> names;
  if (DIR* dir = opendir(directory_.c_str())) {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (!name.empty() && name[0] != '.' && absl::EndsWith(name, ".yaml")) names.push_back(name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  std::vector<WorkloadRecord> records;
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, WorkloadRecord> good;
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
      good[name] = *record;
      records.push_back(*std::move(record));
    } else if (auto last = last_good_.find(name); last != last_good_.end()) {
      warnings_.push_back(
          absl::StrCat(record.status().message(), " (keeping its last good record)"));
      good[name] = last->second;
      records.push_back(last->second);
    } else {
      warnings_.push_back(std::string(record.status().message()));
    }
    if (warnings_.size() > 100) warnings_.erase(warnings_.begin());
  }
  last_good_ = std::move(good);
  return records;
}

std::vector<std::string> FileRegistry::warnings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warnings_;
}

}  // namespace meshup::internal
