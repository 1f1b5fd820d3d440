#include "ca_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "security/certificate_authority.h"

namespace meshup::cli {
namespace {

constexpr char kDefaultCaDir[] = ".meshup/ca";

struct CaFlags {
  std::string dir = kDefaultCaDir;
  std::string trust_domain = "cluster.local";
  std::string ttl;
  bool force = false;
  std::string service_account;
  std::string namespace_name = "default";
  std::string out;
};

bool ParseTtl(const std::string& text, absl::Duration fallback, absl::Duration* ttl) {
  if (text.empty()) {
    *ttl = fallback;
    return true;
  }
  if (!absl::ParseDuration(text, ttl) || *ttl <= absl::ZeroDuration()) {
    std::fprintf(stderr, "meshup ca: --ttl '%s' is not a duration (e.g. 24h, 30m, 8760h)\n",
                 text.c_str());
    return false;
  }
  return true;
}

int Init(const CaFlags& flags) {
  internal::CaOptions options;
  options.trust_domain = flags.trust_domain;
  options.overwrite = flags.force;
  if (!ParseTtl(flags.ttl, options.ttl, &options.ttl)) return 2;
  absl::Status status = internal::InitCa(flags.dir, options);
  if (!status.ok()) {
    std::fprintf(stderr, "meshup ca init: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("CA for trust domain %s written to %s (%s, %s; valid for %s)\n",
              options.trust_domain.c_str(), flags.dir.c_str(), internal::kCaCertificateFile,
              internal::kCaKeyFile, absl::FormatDuration(options.ttl).c_str());
  return 0;
}

int Issue(const CaFlags& flags) {
  internal::IssueOptions options;
  options.id.namespace_name = flags.namespace_name;
  options.id.service_account = flags.service_account;
  if (!ParseTtl(flags.ttl, options.ttl, &options.ttl)) return 2;
  const std::string out = flags.out.empty() ? absl::StrCat(".meshup/certs/", flags.namespace_name,
                                                           "/", flags.service_account)
                                            : flags.out;
  absl::StatusOr<internal::SpiffeId> id =
      internal::IssueWorkloadCertificate(flags.dir, out, options);
  if (!id.ok()) {
    std::fprintf(stderr, "meshup ca issue: %s\n", std::string(id.status().message()).c_str());
    return 1;
  }
  std::printf("issued %s to %s (%s, %s, %s; valid for %s)\n", id->ToString().c_str(), out.c_str(),
              internal::kCertificateFile, internal::kKeyFile, internal::kRootsFile,
              absl::FormatDuration(options.ttl).c_str());
  return 0;
}

}  // namespace

void AddCaCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CaFlags>();
  CLI::App* ca = app.add_subcommand("ca", "The built-in certificate authority");
  ca->require_subcommand(1);

  CLI::App* init = ca->add_subcommand("init", "Make a root CA (ECDSA P-256)");
  init->add_option("--dir", flags->dir, "Where to write ca.crt and ca.key")->capture_default_str();
  init->add_option("--trust-domain", flags->trust_domain, "The SPIFFE trust domain")
      ->capture_default_str();
  init->add_option("--ttl", flags->ttl, "How long the CA is valid (default 87600h)");
  init->add_flag("--force", flags->force, "Replace an existing CA");
  init->callback([flags, &exit_code] { exit_code = Init(*flags); });

  CLI::App* issue = ca->add_subcommand(
      "issue", "Issue a workload certificate: spiffe://<trust domain>/ns/<ns>/sa/<sa>");
  issue->add_option("--service-account", flags->service_account, "The workload's service account")
      ->required();
  issue->add_option("--namespace", flags->namespace_name, "The workload's namespace")
      ->capture_default_str();
  issue->add_option("--ttl", flags->ttl, "How long the certificate is valid (default 24h)");
  issue->add_option("--dir", flags->dir, "The CA's directory")->capture_default_str();
  issue->add_option("--out", flags->out,
                    "Where to write cert.pem, key.pem and root.pem "
                    "(default .meshup/certs/<namespace>/<service account>)");
  issue->callback([flags, &exit_code] { exit_code = Issue(*flags); });
}

}  // namespace meshup::cli
