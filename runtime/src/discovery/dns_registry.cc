#include "discovery/dns_registry.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace meshup::internal {
namespace {

class DnsWatch final : public Registry::Watch {
 public:
  DnsWatch(const DnsRegistry& registry, std::string service, absl::Duration interval,
           Registry::OnChange on_change)
      : registry_(registry),
        service_(std::move(service)),
        interval_(interval),
        on_change_(std::move(on_change)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~DnsWatch() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    bool reported = false;
    std::vector<WorkloadRecord> last;
    while (!stop_) {
      absl::StatusOr<std::vector<WorkloadRecord>> resolved = registry_.Resolve(service_);
      if (resolved.ok() && (!reported || *resolved != last)) {
        reported = true;
        last = *resolved;
        on_change_(last);
      }
      for (absl::Duration waited; waited < interval_ && !stop_; waited += absl::Milliseconds(50)) {
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
  }

  const DnsRegistry& registry_;
  const std::string service_;
  const absl::Duration interval_;
  Registry::OnChange on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DnsRegistry>> DnsRegistry::Open(DnsOptions options) {
  if (options.port == 0 || options.port > 65535) {
    return absl::InvalidArgumentError("the dns registry needs the services' port (1 to 65535)");
  }
  if (options.name_template.find("{service}") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns name template '", options.name_template, "' must contain {service}"));
  }
  return std::unique_ptr<DnsRegistry>(new DnsRegistry(std::move(options)));
}

absl::StatusOr<std::vector<WorkloadRecord>> DnsRegistry::Resolve(absl::string_view service) const {
  const std::string name = absl::StrReplaceAll(
      options_.name_template, {{"{service}", service}, {"{namespace}", options_.namespace_name}});
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int error = getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", name, ": ", gai_strerror(error)));
  }
  std::set<std::string> addresses;
  for (addrinfo* info = result; info != nullptr; info = info->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* address =
        info->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(info->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(info->ai_addr)->sin6_addr);
    if (inet_ntop(info->ai_family, address, text, sizeof(text)) != nullptr) addresses.insert(text);
  }
  freeaddrinfo(result);
  std::vector<WorkloadRecord> workloads;
  for (const std::string& address : addresses) {
    WorkloadRecord record;
    record.name = absl::StrCat(service, "-", address);
    record.namespace_name = options_.namespace_name;
    record.address = address;
    record.port = options_.port;
    record.labels = {{"app", std::string(service)}};
    workloads.push_back(std::move(record));
  }
  return workloads;
}

std::unique_ptr<Registry::Watch> DnsRegistry::WatchService(absl::string_view service,
                                                           OnChange on_change) {
  return std::make_unique<DnsWatch>(*this, std::string(service), options_.interval,
                                    std::move(on_change));
}

}  // namespace meshup::internal
