#include "meshup/mesh.h"

#include <malloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshup/process.h"
#include "meshup_test/everything.meshup.h"
#include "test_ca.h"

namespace meshup {
namespace {

using ::testing::HasSubstr;

// The CA's directory, removed when the test process exits.
class CaDirectory {
 public:
  CaDirectory()
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("meshup-mesh-test-", getpid())) {}
  ~CaDirectory() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  const std::filesystem::path path_;
};

// Options of a workload with an identity, from a CA made once per process:
// servers need one under MeshUp's default PeerAuthentication (STRICT).
MeshOptions Options() {
  static const CaDirectory ca_directory;
  static const std::string* identity = [] {
    auto ca = testing::TestCa::Create(ca_directory.path());
    auto dir = ca.ok() ? ca->Issue("everything") : ca.status();
    EXPECT_TRUE(dir.ok()) << dir.status();
    return new std::string(dir.ok() ? *dir : "");
  }();
  MeshOptions options;
  options.service = "everything";
  options.identity_dir = *identity;
  return options;
}

TEST(MeshTest, CreatesWithValidOptions) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  EXPECT_EQ((*mesh)->options().service, "everything");
  EXPECT_EQ((*mesh)->options().version, "v1");
}

TEST(MeshTest, RefusesAMissingService) {
  auto mesh = Mesh::Create(MeshOptions{});
  ASSERT_EQ(mesh.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mesh.status().message(), HasSubstr("MeshOptions.service ''"));
}

TEST(MeshTest, RefusesAServiceThatIsNotADnsLabel) {
  MeshOptions options = Options();
  options.service = "Reviews_V1";
  EXPECT_THAT(Mesh::Create(options).status().message(),
              HasSubstr("MeshOptions.service 'Reviews_V1' is not a DNS-1123 label"));
}

TEST(MeshTest, RefusesABadVersion) {
  MeshOptions options = Options();
  options.version = "v 1";
  EXPECT_THAT(Mesh::Create(options).status().message(), HasSubstr("MeshOptions.version 'v 1'"));
  options.version = "";
  EXPECT_THAT(Mesh::Create(options).status().message(), HasSubstr("MeshOptions.version ''"));
}

TEST(MeshTest, RefusesAConfigDirThatDoesNotExist) {
  MeshOptions options = Options();
  options.config_dir = "/nonexistent/meshup-config";
  auto mesh = Mesh::Create(options);
  EXPECT_EQ(mesh.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(mesh.status().message(),
              HasSubstr("'/nonexistent/meshup-config' is not a directory"));
}

TEST(MeshTest, ConnectAcceptsAServiceOfTheMesh) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  for (const char* target : {"reviews", "reviews.default.svc.cluster.local"}) {
    auto channel = (*mesh)->Connect(target);
    ASSERT_TRUE(channel.ok()) << channel.status();
    EXPECT_EQ((*channel)->target(), target);
  }
}

TEST(MeshTest, ConnectRefusesATargetThatIsNeitherServiceNorAddress) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  auto channel = (*mesh)->Connect("Reviews Service");
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(),
              HasSubstr("'Reviews Service' is neither a service of the mesh"));
  EXPECT_THAT((*mesh)->Connect("reviews:http").status().message(), HasSubstr("port 'http'"));
}

TEST(MeshTest, ConnectKeepsTheTarget) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  auto channel = (*mesh)->Connect("127.0.0.1:1234");
  ASSERT_TRUE(channel.ok());
  EXPECT_EQ((*channel)->target(), "127.0.0.1:1234");
}

// Debian's Abseil is built without NDEBUG, so its deadlock detection is on
// until a process turns it off. ThreadSanitizer checks lock order itself (and
// reports this inversion), so these run in the other builds.
#if !defined(__SANITIZE_THREAD__)
// Locks two mutexes in one order, then in the other: the lock-order inversion
// that Abseil's deadlock detection, where it is on, reports and dies of.
void InvertLockOrder() {
  absl::Mutex first;
  absl::Mutex second;
  {
    absl::MutexLock a(&first);
    absl::MutexLock b(&second);
  }
  absl::MutexLock b(&second);
  absl::MutexLock a(&first);
}

TEST(MeshTest, CreateTurnsOffAbseilDeadlockDetection) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // No identity: the child exits without the cleanup a CA would need.
        MeshOptions options;
        options.service = "everything";
        auto mesh = Mesh::Create(options);
        if (!mesh.ok()) _exit(2);
        InvertLockOrder();
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(MeshTest, CreateKeepsAbseilDeadlockDetectionWhenTheProcessAsked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ProcessSettings settings;
        settings.mutex_deadlock_detection = true;
        if (!ConfigureProcess(settings).ok()) _exit(2);
        MeshOptions options;
        options.service = "everything";
        auto mesh = Mesh::Create(options);
        if (!mesh.ok()) _exit(2);
        InvertLockOrder();
      },
      "dying due to potential deadlock");
}
#endif

// The process's settings are set once: after a Mesh::Create() (which
// applied the defaults), ConfigureProcess() is refused.
TEST(MeshTest, ConfigureProcessAfterCreateIsRefused) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        MeshOptions options;
        options.service = "everything";
        auto mesh = Mesh::Create(options);
        if (!mesh.ok()) _exit(2);
        const absl::Status late = ConfigureProcess(ProcessSettings());
        std::fprintf(stderr, "%s\n", late.ToString().c_str());
        _exit(late.code() == absl::StatusCode::kFailedPrecondition ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "must come once, before the first Mesh::Create");
}

// The sanitizers bring their own malloc, so these run in the other builds.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// The arenas glibc's malloc has made: malloc_info() lists one <heap> each.
int MallocArenas() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  int arenas = 0;
  for (const char* at = text; (at = std::strstr(at, "<heap nr=")) != nullptr; ++at) ++arenas;
  std::free(text);
  return arenas;
}

// The cap Mesh::Create() sets: one arena per CPU this process may run on,
// at least two.
int ArenaCap() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 2;
  return std::max(2, CPU_COUNT(&cpus));
}

// Mesh::Create() (after ConfigureProcess(*settings) when given), then more
// threads than the cap allocating at once (none can take over an arena
// another left); exits 0 if the process then has at most the cap's arenas,
// 3 if more, 2 if configuring or Create() failed.
void CountArenasAfterCreate(std::optional<ProcessSettings> settings) {
  if (settings && !ConfigureProcess(*settings).ok()) _exit(2);
  MeshOptions options;
  options.service = "everything";
  auto mesh = Mesh::Create(options);
  if (!mesh.ok()) _exit(2);
  const int threads = ArenaCap() + 4;
  absl::BlockingCounter allocated(threads);
  absl::Notification done;
  std::vector<void*> blocks(threads);  // kept: an allocation no one sees may be left out
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      blocks[i] = std::malloc(4096);
      allocated.DecrementCount();
      done.WaitForNotification();
    });
  }
  allocated.Wait();
  const int arenas = MallocArenas();
  done.Notify();
  for (std::thread& worker : workers) worker.join();
  for (void* block : blocks) std::free(block);
  std::fprintf(stderr, "%d arenas, cap %d\n", arenas, ArenaCap());
  _exit(arenas <= ArenaCap() ? 0 : 3);
}

TEST(MeshTest, CreateCapsMallocArenasAtOnePerCpu) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(CountArenasAfterCreate(std::nullopt), ::testing::ExitedWithCode(0), "arenas, cap");
}

TEST(MeshTest, CreateLeavesMallocArenasAloneWhenTheProcessSaysSo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ProcessSettings settings;
  settings.cap_malloc_arenas = false;
  EXPECT_EXIT(CountArenasAfterCreate(settings), ::testing::ExitedWithCode(3), "arenas, cap");
}
#endif

TEST(ServerTest, StartReturnsTheBoundPort) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  meshup_test::everything::Everything::Service service;
  auto server = (*mesh)->NewServer();
  ASSERT_TRUE(server->AddService(service).ok());
  absl::StatusOr<int> port = server->Start();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_EQ(server->port(), *port);
}

TEST(ServerTest, StartNamesAnAddressInUse) {
  // Hold a port with a listening socket of our own.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int taken = ntohs(addr.sin_port);

  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  ServerOptions options;
  options.port = taken;
  auto server = (*mesh)->NewServer(options);
  absl::StatusOr<int> port = server->Start();
  close(fd);
  ASSERT_FALSE(port.ok());
  EXPECT_THAT(port.status().message(),
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(taken)));
}

TEST(ServerTest, TwoServersCannotShareAPort) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  auto first = (*mesh)->NewServer();
  absl::StatusOr<int> port = first->Start();
  ASSERT_TRUE(port.ok());
  ServerOptions options;
  options.port = *port;
  auto second = (*mesh)->NewServer(options);
  absl::StatusOr<int> again = second->Start();
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("cannot listen on 127.0.0.1:"));
}

TEST(ServerTest, RefusesAPortOutOfRange) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  ServerOptions options;
  options.port = 70000;
  EXPECT_THAT((*mesh)->NewServer(options)->Start().status().message(),
              HasSubstr("ServerOptions.port 70000 is not 0 to 65535"));
}

TEST(ServerTest, RefusesTheSameServiceTwiceAndServicesAfterStart) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  meshup_test::everything::Everything::Service first, second;
  meshup_test::everything::Plain::Service plain;
  auto server = (*mesh)->NewServer();
  ASSERT_TRUE(server->AddService(first).ok());
  absl::Status again = server->AddService(second);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("meshup_test.everything.Everything"));
  ASSERT_TRUE(server->Start().ok());
  EXPECT_EQ(server->AddService(plain).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ServerTest, StrictByDefaultAServerWithoutIdentityRefusesToStart) {
  MeshOptions options = Options();
  options.identity_dir.clear();
  auto mesh = Mesh::Create(options);
  ASSERT_TRUE(mesh.ok());
  absl::StatusOr<int> port = (*mesh)->NewServer()->Start();
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(port.status().message(), HasSubstr("STRICT (MeshUp's default)"));
  EXPECT_THAT(port.status().message(), HasSubstr("MeshOptions.identity_dir"));
}

TEST(ServerTest, AUserServiceCannotTakeAStandardServicesName) {
  // A service generated from gRPC's health.proto: every server serves it.
  class Health final : public ::meshup::Service {
   public:
    Health() : Service(Info()) {}
    static const ServiceInfo& Info() {
      static const ServiceInfo info{"grpc.health.v1.Health", "health", 0, "health", {}, {}};
      return info;
    }
  } health;
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  absl::Status added = (*mesh)->NewServer()->AddService(health);
  EXPECT_EQ(added.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(added.message(), HasSubstr("served by every MeshUp server"));
}

TEST(MeshTest, AnHttpServerIsListedWhileItsRegistrationLivesAndGetsNoCalls) {
  const std::filesystem::path registry =
      std::filesystem::temp_directory_path() / absl::StrCat("meshup-http-registry-", getpid());
  std::filesystem::remove_all(registry);
  MeshOptions options = Options();
  options.service = "frontend";
  options.registry_dir = registry.string();
  {
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    absl::StatusOr<std::unique_ptr<Registration>> registration =
        (*mesh)->RegisterHttpServer("0.0.0.0", 9080);
    ASSERT_TRUE(registration.ok()) << registration.status();
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(registry)) {
      files.push_back(entry.path());
    }
    ASSERT_EQ(files.size(), 1u);
    std::ifstream in(files[0]);
    const std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(yaml, HasSubstr("http: 9080"));
    EXPECT_THAT(yaml, HasSubstr("address: 127.0.0.1"));
    EXPECT_THAT(yaml, HasSubstr("app: frontend"));
    EXPECT_THAT(yaml, ::testing::Not(HasSubstr("grpc:")));
    // Its own mesh's clients know it serves no gRPC: no endpoint to call.
    auto channel = (*mesh)->Connect("frontend");
    ASSERT_TRUE(channel.ok());
    meshup_test::everything::Everything::Client client(*channel);
    absl::StatusOr<meshup_test::common::Echo> answer = client.Echo({});
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(answer.status().message(), HasSubstr("no healthy upstream"));
    registration->reset();
    EXPECT_TRUE(std::filesystem::is_empty(registry));
    EXPECT_EQ((*mesh)->RegisterHttpServer("127.0.0.1", 0).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  std::filesystem::remove_all(registry);
}

TEST(ServerTest, ShutdownTwiceIsHarmless) {
  auto mesh = Mesh::Create(Options());
  ASSERT_TRUE(mesh.ok());
  auto server = (*mesh)->NewServer();
  ASSERT_TRUE(server->Start().ok());
  server->Shutdown(absl::ZeroDuration());
  server->Shutdown(absl::ZeroDuration());
  server->Wait();
}

}  // namespace
}  // namespace meshup
