// A workload for integration tests: serves meshup_test.everything.Everything
// as service --service, version --version, registered in --registry, and
// answers Echo with "<version>:<port>" so that tests see who served. Prints
// "port: N" once serving; SIGTERM shuts it down gracefully (deregister,
// drain, stop), SIGKILL is a crash.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"

namespace {

std::atomic<bool> stop_requested{false};

class EverythingService final : public meshup_test::everything::Everything::Service {
 public:
  explicit EverythingService(std::string identity) : identity_(std::move(identity)) {}

  // The port is known only once the server started.
  void set_identity(std::string identity) {
    std::lock_guard<std::mutex> lock(mu_);
    identity_ = std::move(identity);
  }

  absl::Status Echo(meshup::ServerContext&, const meshup_test::common::Echo& request,
                    meshup_test::common::Echo& response) override {
    response.set_text(identity());
    response.set_sequence(request.sequence());
    return absl::OkStatus();
  }

  absl::Status Count(meshup::ServerContext& context,
                     const meshup_test::everything::CountRequest& request,
                     meshup_test::everything::CountReply& response) override {
    const absl::Time until = absl::Now() + absl::Milliseconds(request.hold_ms());
    while (!context.IsCancelled() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(2));
    if (request.fail_with_code() != 0) {
      return absl::Status(static_cast<absl::StatusCode>(request.fail_with_code()), identity());
    }
    response.set_header_value(identity());
    return absl::OkStatus();
  }

 private:
  std::string identity() {
    std::lock_guard<std::mutex> lock(mu_);
    return identity_;
  }

  std::mutex mu_;
  std::string identity_;  // guarded by mu_
};

std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind(prefix, 0) == 0)
      return std::string(argv[i]).substr(prefix.size());
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  meshup::MeshOptions options;
  options.service = Flag(argc, argv, "service", "everything");
  options.version = Flag(argc, argv, "version", "v1");
  options.registry_dir = Flag(argc, argv, "registry", "");
  options.identity_dir = Flag(argc, argv, "identity", "");
  auto mesh = meshup::Mesh::Create(options);
  if (!mesh.ok()) {
    std::fprintf(stderr, "test_server: %s\n", mesh.status().ToString().c_str());
    return 1;
  }
  meshup::ServerOptions server_options;
  int drain_ms = 200;
  (void)absl::SimpleAtoi(Flag(argc, argv, "drain_ms", "200"), &drain_ms);
  server_options.drain_delay = absl::Milliseconds(drain_ms);
  auto server = (*mesh)->NewServer(server_options);
  EverythingService service(options.version);
  if (!server->AddService(service).ok()) return 1;
  absl::StatusOr<int> port = server->Start();
  if (!port.ok()) {
    std::fprintf(stderr, "test_server: %s\n", port.status().ToString().c_str());
    return 1;
  }
  service.set_identity(absl::StrCat(options.version, ":", *port));
  std::printf("port: %d\n", *port);
  std::fflush(stdout);
  signal(SIGTERM, [](int) { stop_requested = true; });
  while (!stop_requested) absl::SleepFor(absl::Milliseconds(20));
  server->Shutdown(absl::Seconds(5));
  server->Wait();
  return 0;
}
