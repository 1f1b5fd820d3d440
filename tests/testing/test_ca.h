// A throwaway certificate authority for tests: gives workloads the mTLS
// identities that MeshUp requires by default (PeerAuthentication STRICT).
//
//   absl::StatusOr<TestCa> ca = TestCa::Create(temp_dir / "ca");
//   options.identity_dir = *ca->Issue("bookinfo-reviews");
//
// Identities are written under the CA's directory, one per namespace and
// service account, with the same files `meshup ca issue` writes.
#ifndef MESHUP_TESTS_TESTING_TEST_CA_H_
#define MESHUP_TESTS_TESTING_TEST_CA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshup::testing {

class TestCa {
 public:
  // Makes a CA (trust domain cluster.local) in `directory`, created if missing.
  static absl::StatusOr<TestCa> Create(std::string directory);

  // Issues an identity for `service_account` in `namespace_name` valid for
  // `ttl`; returns its directory (for MeshOptions::identity_dir).
  absl::StatusOr<std::string> Issue(const std::string& service_account,
                                    const std::string& namespace_name = "default",
                                    absl::Duration ttl = absl::Hours(1)) const;

  const std::string& directory() const { return directory_; }

 private:
  explicit TestCa(std::string directory) : directory_(std::move(directory)) {}
  std::string directory_;
};

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_TEST_CA_H_
