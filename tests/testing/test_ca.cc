#include "test_ca.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "security/certificate_authority.h"

namespace meshup::testing {

absl::StatusOr<TestCa> TestCa::Create(std::string directory) {
  internal::CaOptions options;
  options.ttl = absl::Hours(24);
  options.overwrite = true;
  absl::Status made = internal::InitCa(directory, options);
  if (!made.ok()) return made;
  return TestCa(std::move(directory));
}

absl::StatusOr<std::string> TestCa::Issue(const std::string& service_account,
                                          const std::string& namespace_name,
                                          absl::Duration ttl) const {
  internal::IssueOptions options;
  options.id.namespace_name = namespace_name;
  options.id.service_account = service_account;
  options.ttl = ttl;
  const std::string out =
      absl::StrCat(directory_, "/identities/", namespace_name, "/", service_account);
  absl::StatusOr<internal::SpiffeId> issued =
      internal::IssueWorkloadCertificate(directory_, out, options);
  if (!issued.ok()) return issued.status();
  return out;
}

}  // namespace meshup::testing
