// A workload for integration and chaos tests: serves
// meshup_test.everything.Everything as service --service, version --version,
// registered in --registry (a file registry) or in the registry that the
// Mesh document of --config names, and answers Echo with "<version>:<port>"
// so that tests see who served. Prints "admin: N" (its admin port) and then
// "port: N" once serving; SIGTERM shuts it down gracefully (deregister,
// drain, stop), SIGKILL is a crash.
//
// Flags (all optional): --service, --version, --registry, --identity,
// --config, --drain_ms (default 200), and for the chaos suite:
//   --ledger=FILE    every Count and CountOnce call with a `key` appends the
//                    line "<Method> <key>" to FILE with one write(2) before it
//                    answers, so the ledger survives a SIGKILL and shows
//                    which calls ran, and how often, across replicas.
//   --fail_code=N    Echo, Count and CountOnce answer gRPC code N (after the
//                    ledger): a backend failing 100%.
// Echo with text "__stats__" answers "in_flight=N handled=M": the handlers
// of other calls running now, and those that ran since start.
// Count holds for hold_ms (until then or cancelled) and fails with
// fail_with_code when set; Range streams `count` echoes, hold_ms apart,
// until cancelled; Chat answers each echo as it comes.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"

namespace {

using EchoMessage = meshup_test::common::Echo;
using meshup_test::everything::CountReply;
using meshup_test::everything::CountRequest;

std::atomic<bool> stop_requested{false};

// Counts a handler in flight for its lifetime.
class InFlight {
 public:
  InFlight(std::atomic<int>& in_flight, std::atomic<int64_t>& handled) : in_flight_(in_flight) {
    in_flight_.fetch_add(1);
    handled.fetch_add(1);
  }
  ~InFlight() { in_flight_.fetch_sub(1); }

 private:
  std::atomic<int>& in_flight_;
};

class EverythingService final : public meshup_test::everything::Everything::Service {
 public:
  EverythingService(std::string identity, int ledger_fd, int fail_code)
      : identity_(std::move(identity)), ledger_fd_(ledger_fd), fail_code_(fail_code) {}

  // The port is known only once the server started.
  void set_identity(std::string identity) {
    std::lock_guard<std::mutex> lock(mu_);
    identity_ = std::move(identity);
  }

  absl::Status Echo(meshup::ServerContext&, const EchoMessage& request,
                    EchoMessage& response) override {
    if (request.text() == "__stats__") {
      response.set_text(absl::StrCat("in_flight=", in_flight_.load(), " handled=", handled_.load()));
      return absl::OkStatus();
    }
    InFlight counted(in_flight_, handled_);
    if (fail_code_ != 0) return Failure();
    response.set_text(identity());
    response.set_sequence(request.sequence());
    return absl::OkStatus();
  }

  absl::Status Count(meshup::ServerContext& context, const CountRequest& request,
                     CountReply& response) override {
    return Counted("Count", context, request, response);
  }

  absl::Status CountOnce(meshup::ServerContext& context, const CountRequest& request,
                         CountReply& response) override {
    return Counted("CountOnce", context, request, response);
  }

  absl::Status Range(meshup::ServerContext& context, const CountRequest& request,
                     meshup::ServerWriter<EchoMessage>& writer) override {
    InFlight counted(in_flight_, handled_);
    for (int i = 0; i < request.count() && !context.IsCancelled(); ++i) {
      EchoMessage echo;
      echo.set_text(identity());
      echo.set_sequence(i);
      if (!writer.Write(echo)) break;
      Hold(context, request.hold_ms());
    }
    return absl::OkStatus();
  }

  absl::Status Chat(meshup::ServerContext&,
                    meshup::ServerReaderWriter<EchoMessage, EchoMessage>& stream) override {
    InFlight counted(in_flight_, handled_);
    EchoMessage echo;
    while (stream.Read(&echo)) {
      if (!stream.Write(echo)) break;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Counted(const char* method, meshup::ServerContext& context,
                       const CountRequest& request, CountReply& response) {
    InFlight counted(in_flight_, handled_);
    if (ledger_fd_ >= 0 && !request.key().empty()) {
      const std::string line = absl::StrCat(method, " ", request.key(), "\n");
      if (write(ledger_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        return absl::InternalError("test_server: cannot write the ledger");
      }
    }
    Hold(context, request.hold_ms());
    if (fail_code_ != 0) return Failure();
    if (request.fail_with_code() != 0) {
      return absl::Status(static_cast<absl::StatusCode>(request.fail_with_code()), identity());
    }
    response.set_header_value(identity());
    return absl::OkStatus();
  }

  // Waits `ms`, or until the call is cancelled or past its deadline.
  static void Hold(meshup::ServerContext& context, int ms) {
    const absl::Time until = absl::Now() + absl::Milliseconds(ms);
    while (!context.IsCancelled() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(2));
  }

  absl::Status Failure() {
    return absl::Status(static_cast<absl::StatusCode>(fail_code_),
                        absl::StrCat(identity(), ": failing every call (--fail_code)"));
  }

  std::string identity() {
    std::lock_guard<std::mutex> lock(mu_);
    return identity_;
  }

  std::mutex mu_;
  std::string identity_;  // guarded by mu_
  const int ledger_fd_;   // -1: no ledger
  const int fail_code_;   // 0: answer normally
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> handled_{0};
};

std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind(prefix, 0) == 0)
      return std::string(argv[i]).substr(prefix.size());
  }
  return fallback;
}

int IntFlag(int argc, char** argv, const std::string& name, int fallback) {
  int value = fallback;
  if (!absl::SimpleAtoi(Flag(argc, argv, name, absl::StrCat(fallback)), &value)) {
    std::fprintf(stderr, "test_server: --%s must be a number\n", name.c_str());
    std::exit(2);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  meshup::MeshOptions options;
  options.service = Flag(argc, argv, "service", "everything");
  options.version = Flag(argc, argv, "version", "v1");
  options.registry_dir = Flag(argc, argv, "registry", "");
  options.identity_dir = Flag(argc, argv, "identity", "");
  options.config_dir = Flag(argc, argv, "config", "");
  int ledger_fd = -1;
  if (const std::string ledger = Flag(argc, argv, "ledger", ""); !ledger.empty()) {
    ledger_fd = open(ledger.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (ledger_fd < 0) {
      std::perror(("test_server: " + ledger).c_str());
      return 1;
    }
  }
  auto mesh = meshup::Mesh::Create(options);
  if (!mesh.ok()) {
    std::fprintf(stderr, "test_server: %s\n", mesh.status().ToString().c_str());
    return 1;
  }
  meshup::ServerOptions server_options;
  server_options.drain_delay = absl::Milliseconds(IntFlag(argc, argv, "drain_ms", 200));
  auto server = (*mesh)->NewServer(server_options);
  EverythingService service(options.version, ledger_fd, IntFlag(argc, argv, "fail_code", 0));
  if (!server->AddService(service).ok()) return 1;
  absl::StatusOr<int> port = server->Start();
  if (!port.ok()) {
    std::fprintf(stderr, "test_server: %s\n", port.status().ToString().c_str());
    return 1;
  }
  service.set_identity(absl::StrCat(options.version, ":", *port));
  std::printf("admin: %d\nport: %d\n", (*mesh)->admin_port(), *port);
  std::fflush(stdout);
  signal(SIGTERM, [](int) { stop_requested = true; });
  while (!stop_requested) absl::SleepFor(absl::Milliseconds(20));
  server->Shutdown(absl::Seconds(5));
  server->Wait();
  return 0;
}
