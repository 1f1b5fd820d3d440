#include "security/x509_names.h"

#include "openssl/x509v3.h"

namespace meshup::internal {

std::vector<std::string> UriSubjectAltNames(X509* certificate) {
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    uris.emplace_back(
        reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
        ASN1_STRING_length(name->d.uniformResourceIdentifier));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

}  // namespace meshup::internal
