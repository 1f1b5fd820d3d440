#include "echo/tls_files.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace meshup::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

absl::StatusOr<TlsFiles> ReadTlsFiles(const std::string& directory) {
  TlsFiles files;
  for (auto [name, field] : {std::pair{"cert.pem", &files.cert}, std::pair{"key.pem", &files.key},
                             std::pair{"root.pem", &files.root}}) {
    absl::StatusOr<std::string> contents = ReadFile(absl::StrCat(directory, "/", name));
    if (!contents.ok()) return contents.status();
    *field = *std::move(contents);
  }
  return files;
}

absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateProviderInterface>>
WatchTlsFiles(const std::string& directory) {
  absl::StatusOr<TlsFiles> files = ReadTlsFiles(directory);
  if (!files.ok()) return files.status();
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      absl::StrCat(directory, "/key.pem"), absl::StrCat(directory, "/cert.pem"),
      absl::StrCat(directory, "/root.pem"), /*refresh_interval_sec=*/1);
}

}  // namespace meshup::bench
