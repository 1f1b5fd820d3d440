#include "discovery/registry.h"

#include "absl/strings/str_cat.h"

namespace meshup::internal {

const std::string& WorkloadRecord::service() const {
  static const std::string* const kNone = new std::string();
  auto it = labels.find("app");
  return it == labels.end() ? *kNone : it->second;
}

std::string WorkloadRecord::HostPort() const {
  if (address.find(':') != std::string::npos) return absl::StrCat("[", address, "]:", port);
  return absl::StrCat(address, ":", port);
}

bool WorkloadRecord::operator==(const WorkloadRecord& other) const {
  return name == other.name && namespace_name == other.namespace_name && address == other.address &&
         port == other.port && labels == other.labels && service_account == other.service_account;
}

}  // namespace meshup::internal
