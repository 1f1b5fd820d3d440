#include "discovery/registry.h"

#include "absl/strings/str_cat.h"

namespace meshup::internal {

const std::string& WorkloadRecord::service() const {
  static const std::string* const kNone = new std::string();
  auto it = labels.find("app");
  return it == labels.end() ? *kNone : it->second;
}

namespace {

std::string JoinHostPort(const std::string& address, uint32_t port) {
  if (address.find(':') != std::string::npos) return absl::StrCat("[", address, "]:", port);
  return absl::StrCat(address, ":", port);
}

}  // namespace

std::string WorkloadRecord::HostPort() const { return JoinHostPort(address, port); }

std::string WorkloadRecord::PlaintextHostPort() const {
  return plaintext_port == 0 ? std::string() : JoinHostPort(address, plaintext_port);
}

bool WorkloadRecord::operator==(const WorkloadRecord& other) const {
  return name == other.name && namespace_name == other.namespace_name && address == other.address &&
         port == other.port && plaintext_port == other.plaintext_port &&
         admin_port == other.admin_port && http_port == other.http_port && labels == other.labels && service_account == other.service_account;
}

}  // namespace meshup::internal
