#include "discovery/etcd_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "discovery/file_registry.h"
#include "discovery/http_client.h"
#include "nlohmann/json.hpp"
#include "util/sync.h"

namespace meshup::internal {
namespace {

using nlohmann::json;

constexpr absl::Duration kCallTimeout = absl::Seconds(2);
constexpr absl::Duration kReconnectPause = absl::Seconds(1);

// The gateway writes 64-bit numbers as strings.
int64_t Int64Field(const json& object, const char* name) {
  if (!object.contains(name)) return 0;
  const json& value = object[name];
  int64_t number = 0;
  if (value.is_string()) {
    (void)absl::SimpleAtoi(value.get<std::string>(), &number);
  } else if (value.is_number_integer()) {
    number = value.get<int64_t>();
  }
  return number;
}

std::string ServicePrefix(const EtcdOptions& options, absl::string_view service) {
  return absl::StrCat(options.prefix, service, "/");
}

// The end of the key range of `prefix` (its last byte plus one).
std::string RangeEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

struct ServiceRead {
  std::vector<WorkloadRecord> workloads;
  int64_t revision = 0;
};

absl::StatusOr<ServiceRead> ReadService(EtcdRegistry& registry, absl::string_view service) {
  const std::string prefix = ServicePrefix(registry.options(), service);
  json request = {{"key", absl::Base64Escape(prefix)},
                  {"range_end", absl::Base64Escape(RangeEnd(prefix))}};
  absl::StatusOr<std::string> response = registry.Call("/v3/kv/range", request.dump());
  if (!response.ok()) return response.status();
  json parsed = json::parse(*response, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::UnavailableError("etcd answered a range with bad JSON");
  ServiceRead read;
  if (parsed.contains("header")) read.revision = Int64Field(parsed["header"], "revision");
  if (parsed.contains("kvs") && parsed["kvs"].is_array()) {
    for (const json& kv : parsed["kvs"]) {
      std::string key, value;
      if (!kv.contains("key") || !kv.contains("value") ||
          !absl::Base64Unescape(kv["key"].get<std::string>(), &key) ||
          !absl::Base64Unescape(kv["value"].get<std::string>(), &value)) {
        continue;
      }
      absl::StatusOr<WorkloadRecord> record = ParseWorkloadEntryYaml(key, value);
      if (record.ok()) read.workloads.push_back(*std::move(record));
    }
  }
  std::sort(read.workloads.begin(), read.workloads.end(),
            [](const WorkloadRecord& a, const WorkloadRecord& b) { return a.name < b.name; });
  return read;
}

// Reads the service, then follows etcd's watch stream on its prefix,
// re-reading on every event; reconnects when the stream ends.
class EtcdWatch final : public Registry::Watch {
 public:
  EtcdWatch(EtcdRegistry& registry, std::string service, Registry::OnChange on_change)
      : registry_(registry), service_(std::move(service)), on_change_(std::move(on_change)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~EtcdWatch() override {
    stop_ = true;
    thread_.join();
  }

 private:
  // Reads the service and reports it if it changed; returns the revision
  // read, or 0 when etcd could not be read (the last report stands).
  int64_t Refresh() {
    absl::StatusOr<ServiceRead> read = ReadService(registry_, service_);
    if (!read.ok()) return 0;
    if (!reported_ || read->workloads != last_) {
      reported_ = true;
      last_ = read->workloads;
      on_change_(last_);
    }
    return read->revision;
  }

  void Run() {
    while (!stop_) {
      const int64_t revision = Refresh();
      if (revision > 0) {
        const std::string prefix = ServicePrefix(registry_.options(), service_);
        json request = {{"create_request",
                         {{"key", absl::Base64Escape(prefix)},
                          {"range_end", absl::Base64Escape(RangeEnd(prefix))},
                          {"start_revision", std::to_string(revision + 1)}}}};
        std::string pending;
        for (const std::string& endpoint : registry_.options().endpoints) {
          (void)StreamPostJson(
              endpoint + "/v3/watch", request.dump(),
              [&](const std::string& data) {
                pending += data;
                size_t newline;
                while ((newline = pending.find('\n')) != std::string::npos) {
                  json message = json::parse(pending.substr(0, newline), nullptr, false);
                  pending.erase(0, newline + 1);
                  if (!message.is_discarded() && message.contains("result") &&
                      message["result"].contains("events")) {
                    Refresh();
                  }
                }
              },
              [this] { return !stop_.load(); }, kCallTimeout);
          if (stop_) break;
        }
      }
      // The stream ended or etcd is away: pause, then read and watch again.
      for (absl::Duration waited; waited < kReconnectPause && !stop_;
           waited += absl::Milliseconds(50)) {
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
  }

  EtcdRegistry& registry_;
  const std::string service_;
  Registry::OnChange on_change_;
  std::atomic<bool> stop_{false};
  bool reported_ = false;
  std::vector<WorkloadRecord> last_;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdRegistry>> EtcdRegistry::Open(EtcdOptions options) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("the etcd registry needs at least one endpoint");
  }
  if (options.prefix.empty() || options.prefix.back() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd key prefix '", options.prefix, "' must end with '/'"));
  }
  if (options.ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("the etcd lease TTL must be at least 1s");
  }
  auto registry = std::unique_ptr<EtcdRegistry>(new EtcdRegistry(std::move(options)));
  registry->heartbeats_ = std::thread([raw = registry.get()] { raw->Heartbeats(); });
  return registry;
}

EtcdRegistry::~EtcdRegistry() {
  int64_t lease;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    lease = lease_;
    stop_cv_.notify_all();
  }
  heartbeats_.join();
  // Whatever is still registered goes with the lease.
  if (lease != 0) (void)Call("/v3/lease/revoke", json({{"ID", std::to_string(lease)}}).dump());
}

absl::StatusOr<std::string> EtcdRegistry::Call(absl::string_view path, const std::string& body) {
  absl::Status last = absl::UnavailableError("no etcd endpoint");
  for (const std::string& endpoint : options_.endpoints) {
    absl::StatusOr<std::string> response =
        PostJson(absl::StrCat(endpoint, path), body, kCallTimeout);
    if (response.ok()) return response;
    last = response.status();
  }
  return absl::UnavailableError(absl::StrCat("etcd is unreachable: ", last.message()));
}

std::string EtcdRegistry::KeyOf(const WorkloadRecord& workload) const {
  return absl::StrCat(ServicePrefix(options_, workload.service()), workload.name);
}

absl::Status EtcdRegistry::GrantLease() {
  const int64_t seconds = absl::ToInt64Seconds(options_.ttl);
  absl::StatusOr<std::string> response =
      Call("/v3/lease/grant", json({{"TTL", std::to_string(seconds)}}).dump());
  if (!response.ok()) return response.status();
  json parsed = json::parse(*response, nullptr, false);
  const int64_t id = parsed.is_discarded() ? 0 : Int64Field(parsed, "ID");
  if (id == 0) return absl::UnavailableError("etcd granted no lease");
  lease_ = id;
  return absl::OkStatus();
}

absl::Status EtcdRegistry::Put(const WorkloadRecord& workload) {
  json request = {{"key", absl::Base64Escape(KeyOf(workload))},
                  {"value", absl::Base64Escape(WorkloadEntryYaml(workload))},
                  {"lease", std::to_string(lease_)}};
  absl::StatusOr<std::string> response = Call("/v3/kv/put", request.dump());
  return response.ok() ? absl::OkStatus() : response.status();
}

absl::Status EtcdRegistry::Register(const WorkloadRecord& workload) {
  if (workload.service().empty() || workload.name.empty()) {
    return absl::InvalidArgumentError("a workload needs a name and an app label");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (lease_ == 0) {
    absl::Status granted = GrantLease();
    if (!granted.ok()) return granted;
  }
  absl::Status put = Put(workload);
  if (!put.ok()) return put;
  registered_[workload.name] = workload;
  return absl::OkStatus();
}

absl::Status EtcdRegistry::Deregister(absl::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registered_.find(std::string(name));
  if (it == registered_.end()) return absl::OkStatus();
  const std::string key = KeyOf(it->second);
  registered_.erase(it);
  absl::StatusOr<std::string> response =
      Call("/v3/kv/deleterange", json({{"key", absl::Base64Escape(key)}}).dump());
  return response.ok() ? absl::OkStatus() : response.status();
}

void EtcdRegistry::Heartbeats() {
  const absl::Duration interval = options_.ttl / 3;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    WaitFor(stop_cv_, lock, interval, [this] { return stopping_; });
    if (stopping_) return;
    if (lease_ == 0) continue;
    absl::StatusOr<std::string> response =
        Call("/v3/lease/keepalive", json({{"ID", std::to_string(lease_)}}).dump());
    if (!response.ok()) continue;  // etcd is away: try again next time
    json parsed = json::parse(*response, nullptr, false);
    const bool alive = !parsed.is_discarded() && parsed.contains("result") &&
                       Int64Field(parsed["result"], "TTL") > 0;
    if (alive) continue;
    // etcd forgot the lease: take a new one and register everything again.
    lease_ = 0;
    if (!GrantLease().ok()) continue;
    for (const auto& [name, workload] : registered_) (void)Put(workload);
  }
}

std::unique_ptr<Registry::Watch> EtcdRegistry::WatchService(absl::string_view service,
                                                            OnChange on_change) {
  return std::make_unique<EtcdWatch>(*this, std::string(service), std::move(on_change));
}

absl::StatusOr<std::vector<WorkloadRecord>> EtcdRegistry::Read(absl::string_view service) {
  absl::StatusOr<ServiceRead> read = ReadService(*this, service);
  if (!read.ok()) return read.status();
  return std::move(read->workloads);
}

}  // namespace meshup::internal
