// Reading the names a certificate carries.
#ifndef MESHUP_SRC_SECURITY_X509_NAMES_H_
#define MESHUP_SRC_SECURITY_X509_NAMES_H_

#include <string>
#include <vector>

#include "openssl/x509.h"

namespace meshup::internal {

// The URI subject alternative names of `certificate`, in order.
std::vector<std::string> UriSubjectAltNames(X509* certificate);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_SECURITY_X509_NAMES_H_
