// HttpServer against clients that try to exhaust it: many slow handlers at
// once, connections that never speak, pipelined requests whose answers are
// never read, and answers that would echo huge input into a header. Each
// test states the bound the server keeps. Every wait is bounded; held
// handlers are released in TearDown whatever happens.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshup/http_server.h"
#include "raw_client.h"
#include "util/sync.h"

namespace meshup {
namespace {

using ::meshup::testing::Fetch;
using ::meshup::testing::RawClient;
using ::meshup::testing::RawResponse;

constexpr absl::Duration kWait = absl::Seconds(10);
constexpr size_t kBlobBytes = 64 * 1024;

std::string Get(absl::string_view path, absl::string_view extra = "") {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: test\r\n", extra, "\r\n");
}

// Polls `done` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// A number from /proc/self/status ("VmRSS" in kB, "Threads"); 0 when unknown.
size_t ProcessStatus(absl::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
    rest = absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB");
    size_t value = 0;
    return absl::SimpleAtoi(rest, &value) ? value : 0;
  }
  return 0;
}

size_t ResidentBytes() { return ProcessStatus("VmRSS") * 1024; }

// A loopback socket that sends without blocking and is never read.
class Sender {
 public:
  explicit Sender(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 &&
                 connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                 fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK) == 0;
  }
  ~Sender() {
    if (fd_ >= 0) close(fd_);
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  bool connected() const { return connected_; }
  // Sends what the socket takes now of `bytes`; false once it takes nothing.
  bool SendSome(absl::string_view bytes) {
    const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent <= 0) return false;
    sent_ += static_cast<size_t>(sent);
    return true;
  }
  size_t sent() const { return sent_; }
  // True once the server has closed the connection, seen without reading.
  bool WaitForHangUp(absl::Duration timeout) {
    pollfd p{fd_, POLLRDHUP, 0};
    return poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) > 0 &&
           (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

 private:
  int fd_;
  bool connected_ = false;
  size_t sent_ = 0;
};

class HttpServerAbuseTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->Handle("/health", [](const HttpRequest&) { return HttpResponse::Text(200, "ok"); });
    server_->Handle("/page",
                    [](const HttpRequest&) { return HttpResponse::Html(200, "<p>page</p>"); });
    server_->Handle("/held", [this](const HttpRequest&) {
      ++held_running_;
      release_held_.WaitForNotificationWithTimeout(kWait);
      return HttpResponse::Text(200, "held");
    });
    server_->Handle("/blob", [this](const HttpRequest&) {
      ++blobs_made_;
      return HttpResponse::Text(200, std::string(kBlobBytes, 'm'));
    });
    server_->Handle("/login", [](const HttpRequest& request) {
      HttpResponse response = HttpResponse::Redirect("/");
      response.headers.Add("Set-Cookie", "user=" + UrlEncode(request.FormParams()["username"]));
      return response;
    });
    absl::StatusOr<int> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }

  void TearDown() override {
    if (!release_held_.HasBeenNotified()) release_held_.Notify();
    if (server_) server_->Shutdown();
  }

  RawClient Connect() {
    absl::StatusOr<RawClient> client = RawClient::Connect(port_);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> held_running_{0};
  std::atomic<int> blobs_made_{0};
  meshup::internal::Notification release_held_;
};

// Bookinfo under a 7 s ratings delay: every page view holds a handler. An
// anonymous request used to queue behind them for seconds.
TEST_F(HttpServerAbuseTest, FiftyHeldHandlersDoNotHoldUpOtherPaths) {
  const size_t threads_before = ProcessStatus("Threads");
  StartServer();  // default options
  constexpr int kHeld = 50;
  std::vector<RawClient> held;
  for (int i = 0; i < kHeld; ++i) {
    held.push_back(Connect());
    ASSERT_TRUE(held.back().Send(Get("/held")).ok());
  }
  ASSERT_TRUE(WaitUntil([&] { return held_running_.load() == kHeld; }, kWait))
      << "only " << held_running_.load() << " of " << kHeld << " handlers run at once";
  std::printf("%d held handlers: threads in the process %zu -> %zu\n", kHeld, threads_before,
              ProcessStatus("Threads"));
  // The defect held these until the held handlers ended (kWait); a fresh
  // worker answers at once. Under a sanitizer, starting the 51st thread
  // alone can take longer than 100 ms on a loaded machine.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr absl::Duration kAtOnce = absl::Seconds(2);
#else
  constexpr absl::Duration kAtOnce = absl::Milliseconds(100);
#endif
  for (const char* path : {"/health", "/page"}) {
    RawClient fast = Connect();
    ASSERT_TRUE(fast.Send(Get(path)).ok());
    absl::StatusOr<RawResponse> response = fast.Read(kAtOnce);
    ASSERT_TRUE(response.ok()) << path << ": " << response.status();
    EXPECT_EQ(response->status, 200) << path;
  }
  release_held_.Notify();
  for (RawClient& client : held) {
    absl::StatusOr<RawResponse> response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "held");
  }
}

TEST_F(HttpServerAbuseTest, RequestsBeyondMaxWorkerThreadsAre503AtOnce) {
  HttpServerOptions options;
  options.worker_threads = 1;
  options.max_worker_threads = 2;
  StartServer(options);
  RawClient first = Connect();
  RawClient second = Connect();
  ASSERT_TRUE(first.Send(Get("/held")).ok());
  ASSERT_TRUE(second.Send(Get("/held")).ok());
  ASSERT_TRUE(WaitUntil([&] { return held_running_.load() == 2; }, kWait));
  RawClient third = Connect();
  ASSERT_TRUE(third.Send(Get("/page")).ok());
  absl::StatusOr<RawResponse> refused = third.Read(kWait);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->headers["retry-after"], "1");
  release_held_.Notify();
  EXPECT_EQ(first.Read(kWait)->body, "held");
  EXPECT_EQ(second.Read(kWait)->body, "held");
  // Once the handlers return, requests run again (a worker returns to the
  // pool just after its answer is handed over, so allow it a moment).
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<RawResponse> page = Fetch(port_, "GET", "/page");
        return page.ok() && page->status == 200;
      },
      kWait));
}

TEST_F(HttpServerAbuseTest, BadWorkerOptionsAreRejected) {
  HttpServerOptions options;
  options.worker_threads = 8;
  options.max_worker_threads = 4;
  HttpServer server(options);
  absl::StatusOr<int> port = server.Start("127.0.0.1", 0);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(port.status().message(), ::testing::HasSubstr("max_worker_threads"));
  options = HttpServerOptions();
  options.max_response_header_bytes = 10;
  HttpServer small(options);
  EXPECT_THAT(small.Start("127.0.0.1", 0).status().message(),
              ::testing::HasSubstr("max_response_header_bytes"));
}

// Connections that never send a byte used to hold their slots for the idle
// timeout (60 s): 1,024 of them kept a server answering 503.
TEST_F(HttpServerAbuseTest, SilentConnectionsAreClosedAtTheHeaderTimeoutFromAccept) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(300);
  options.max_connections = 4;
  StartServer(options);
  const absl::Time start = absl::Now();
  std::vector<RawClient> silent;
  for (int i = 0; i < options.max_connections; ++i) silent.push_back(Connect());
  for (RawClient& client : silent) ASSERT_TRUE(client.WaitForClose(kWait));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  // Their slots are free again.
  absl::StatusOr<RawResponse> page = Fetch(port_, "GET", "/page");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
}

// 64 silent sockets on an admin port made /healthz answer 503. At the limit
// a new connection takes the place of the one idle longest.
TEST_F(HttpServerAbuseTest, AtTheConnectionLimitANewConnectionClosesTheLongestIdle) {
  HttpServerOptions options;
  options.max_connections = 4;
  StartServer(options);  // header timeout 10 s: nothing here waits for it
  std::vector<RawClient> silent;
  for (int i = 0; i < options.max_connections; ++i) silent.push_back(Connect());
  absl::StatusOr<RawResponse> page = Fetch(port_, "GET", "/page");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  // The oldest silent one made room; the others stay and are served.
  EXPECT_TRUE(silent[0].WaitForClose(kWait));
  for (int i = 1; i < options.max_connections; ++i) {
    ASSERT_TRUE(silent[i].Send(Get("/page")).ok());
    absl::StatusOr<RawResponse> answer = silent[i].Read(kWait);
    ASSERT_TRUE(answer.ok()) << i << ": " << answer.status();
    EXPECT_EQ(answer->status, 200);
  }
}

// Four connections sending GET requests pipelined and never reading a reply
// used to make the server answer them all into memory (92 MB to 1.4 GB).
TEST_F(HttpServerAbuseTest, PipeliningWithoutReadingIsHeldToABoundAndClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Seconds(1);
  StartServer(options);
  const size_t resident_before = ResidentBytes();

  constexpr int kClients = 4;
  constexpr size_t kMaxSentPerClient = 4 << 20;
  std::string burst;
  while (burst.size() < 16 * 1024) burst += Get("/blob");
  std::vector<std::unique_ptr<Sender>> senders;
  for (int i = 0; i < kClients; ++i) {
    senders.push_back(std::make_unique<Sender>(port_));
    ASSERT_TRUE(senders.back()->connected());
  }
  // Each sends until the server stops taking bytes for 300 ms (or 4 MiB).
  for (auto& sender : senders) {
    absl::Time last_progress = absl::Now();
    while (sender->sent() < kMaxSentPerClient &&
           absl::Now() - last_progress < absl::Milliseconds(300)) {
      if (sender->SendSome(burst)) {
        last_progress = absl::Now();
      } else {
        absl::SleepFor(absl::Milliseconds(5));
      }
    }
  }
  // The answers made settle (each connection's unsent bytes reach the bound).
  int made = -1;
  const absl::Time settle_deadline = absl::Now() + kWait;
  while (made != blobs_made_.load() && absl::Now() < settle_deadline) {
    made = blobs_made_.load();
    absl::SleepFor(absl::Milliseconds(200));
  }
  const size_t resident_after = ResidentBytes();
  size_t sent = 0;
  for (auto& sender : senders) sent += sender->sent();
  std::printf("pipelining without reading: %zu requests sent, %d answered, RSS %zu -> %zu MiB\n",
              sent / Get("/blob").size(), made, resident_before >> 20, resident_after >> 20);
  // Per connection: max_pipelined_requests read ahead, 1 MiB unsent, and what
  // the kernel's socket buffers hold (a few MiB on loopback).
  EXPECT_LT(made, kClients * 128);
  EXPECT_LT(resident_after, resident_before + (128u << 20));
  // A connection that reads nothing is closed after the idle timeout.
  for (auto& sender : senders) EXPECT_TRUE(sender->WaitForHangUp(kWait));
  // And the server still serves.
  absl::StatusOr<RawResponse> health = Fetch(port_, "GET", "/health");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpServerAbuseTest, WhitespaceBeforeAHeaderColonIs400) {
  StartServer();
  for (const char* field : {"Host : t", "Host\t: t", "X-A  : 1"}) {
    RawClient client = Connect();
    ASSERT_TRUE(client.Send(absl::StrCat("GET /page HTTP/1.1\r\n", field, "\r\n\r\n")).ok());
    absl::StatusOr<RawResponse> response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << field << ": " << response.status();
    EXPECT_EQ(response->status, 400) << field;
    EXPECT_TRUE(client.WaitForClose(kWait)) << field;
  }
}

// A login form echoed a 1 MB username into Set-Cookie.
TEST_F(HttpServerAbuseTest, AnOverlongResponseHeaderBecomesA500) {
  StartServer();
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  absl::StatusOr<RawResponse> huge =
      Fetch(port_, "POST", "/login", form, "username=" + std::string(1000 * 1000, 'u'));
  ASSERT_TRUE(huge.ok()) << huge.status();
  EXPECT_EQ(huge->status, 500);
  EXPECT_EQ(huge->headers.count("set-cookie"), 0u);
  // A cookie of browser size (4 KiB) is fine.
  absl::StatusOr<RawResponse> normal =
      Fetch(port_, "POST", "/login", form, "username=" + std::string(4000, 'u'));
  ASSERT_TRUE(normal.ok()) << normal.status();
  EXPECT_EQ(normal->status, 302);
  EXPECT_EQ(normal->headers["set-cookie"].size(), 4005u);
}

}  // namespace
}  // namespace meshup
