// HttpServer over real loopback sockets: routing, keep-alive and
// pipelining, limits, malformed input, timeouts, many connections, shutdown.
// Every wait is bounded; ordering is forced with notifications, not sleeps.
#include "meshup/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/http_server_on_loop.h"
#include "loop/event_loop.h"
#include "raw_client.h"
#include "util/sync.h"

namespace meshup {
namespace {

using ::meshup::testing::Fetch;
using ::meshup::testing::RawClient;
using ::meshup::testing::RawResponse;
using ::testing::HasSubstr;

constexpr absl::Duration kWait = absl::Seconds(10);

std::string Get(absl::string_view path, absl::string_view extra = "") {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: test\r\n", extra, "\r\n");
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->Handle("/echo", [](const HttpRequest& request) {
      std::string text = absl::StrCat(request.method, " ", request.path, "?", request.query, "\n");
      for (const auto& [name, value] : request.QueryParams()) {
        absl::StrAppend(&text, "query ", name, "=", value, "\n");
      }
      for (const auto& [name, value] : request.FormParams()) {
        absl::StrAppend(&text, "form ", name, "=", value, "\n");
      }
      for (const auto& [name, value] : request.Cookies()) {
        absl::StrAppend(&text, "cookie ", name, "=", value, "\n");
      }
      absl::StrAppend(&text, "x-test ", request.headers.Get("X-TEST").value_or("-"), "\n");
      absl::StrAppend(&text, "body ", request.body.size(), "\n");
      HttpResponse response = HttpResponse::Text(200, text);
      response.headers.Add("Set-Cookie", "a=1");
      response.headers.Add("Set-Cookie", "b=2");
      return response;
    });
    server_->Handle("/only-post",
                    [](const HttpRequest&) { return HttpResponse::Text(201, "made\n"); }, {"POST"});
    server_->Handle("/page",
                    [](const HttpRequest&) { return HttpResponse::Html(200, "<p>page</p>"); },
                    {"GET"});
    server_->HandlePrefix("/api/", [](const HttpRequest& request) {
      return HttpResponse::Text(200, "api " + request.path);
    });
    server_->HandlePrefix("/api/v2/", [](const HttpRequest& request) {
      return HttpResponse::Text(200, "v2 " + request.path);
    });
    server_->Handle("/slow", [this](const HttpRequest&) {
      if (!slow_started_.HasBeenNotified()) slow_started_.Notify();
      release_slow_.WaitForNotificationWithTimeout(kWait);
      return HttpResponse::Text(200, "slow");
    });
    server_->Handle("/big", [](const HttpRequest&) {
      return HttpResponse::Text(200, std::string(8 << 20, 'b'));
    });
    server_->Handle("/throw", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("secret detail");
    });
    server_->Handle("/bad-header", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::Text(200, "x");
      response.headers.Add("X-Injected", "a\r\nSet-Cookie: evil=1");
      return response;
    });
    absl::StatusOr<int> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }

  void TearDown() override {
    if (!release_slow_.HasBeenNotified()) release_slow_.Notify();
    if (server_) server_->Shutdown();
  }

  RawClient Connect() {
    absl::StatusOr<RawClient> client = RawClient::Connect(port_);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  meshup::internal::Notification slow_started_;
  meshup::internal::Notification release_slow_;
};

TEST_F(HttpServerTest, GetWithQueryAndHeaders) {
  StartServer();
  absl::StatusOr<RawResponse> response = Fetch(port_, "GET", "/echo?name=a+b&x=%2F&x=second",
                                               "X-Test: yes\r\nCookie: s=1; t=\"two\"\r\n");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("GET /echo?name=a+b&x=%2F&x=second\n"));
  EXPECT_THAT(response->body, HasSubstr("query name=a b\n"));
  EXPECT_THAT(response->body, HasSubstr("query x=/\n"));
  EXPECT_THAT(response->body, HasSubstr("cookie s=1\ncookie t=two\n"));
  EXPECT_THAT(response->body, HasSubstr("x-test yes\n"));
  EXPECT_EQ(response->headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_EQ(response->headers["content-length"], std::to_string(response->body.size()));
  EXPECT_FALSE(response->headers["date"].empty());
}

TEST_F(HttpServerTest, PostForm) {
  StartServer();
  absl::StatusOr<RawResponse> response =
      Fetch(port_, "POST", "/echo", "Content-Type: application/x-www-form-urlencoded\r\n",
            "username=jason&passwd=p%40ss");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->body, HasSubstr("POST /echo?\n"));
  EXPECT_THAT(response->body, HasSubstr("form passwd=p@ss\nform username=jason\n"));
}

TEST_F(HttpServerTest, ChunkedBody) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client
                  .Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                  .ok());
  absl::StatusOr<RawResponse> response = client.Read(kWait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->body, HasSubstr("body 11\n"));
}

TEST_F(HttpServerTest, RoutesExactThenLongestPrefixElse404And405) {
  StartServer();
  EXPECT_EQ(Fetch(port_, "GET", "/api/x")->body, "api /api/x");
  EXPECT_EQ(Fetch(port_, "GET", "/api/v2/y")->body, "v2 /api/v2/y");
  EXPECT_EQ(Fetch(port_, "GET", "/nowhere")->status, 404);
  EXPECT_EQ(Fetch(port_, "GET", "/echo/more")->status, 404);
  absl::StatusOr<RawResponse> wrong = Fetch(port_, "GET", "/only-post");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->headers["allow"], "POST");
  EXPECT_EQ(Fetch(port_, "POST", "/only-post")->status, 201);
  EXPECT_EQ(Fetch(port_, "DELETE", "/page")->headers["allow"], "GET, HEAD");
}

TEST_F(HttpServerTest, HeadAnswersHeadersOnly) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client.Send("HEAD /page HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/page")).ok());
  absl::StatusOr<RawResponse> head = client.Read(kWait, /*head=*/true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers["content-length"], "11");
  EXPECT_EQ(head->body, "");
  // The next answer on the connection starts where the HEAD answer ended.
  EXPECT_EQ(client.Read(kWait)->body, "<p>page</p>");
}

TEST_F(HttpServerTest, HandlerExceptionsAnd500sRevealNothing) {
  StartServer();
  absl::StatusOr<RawResponse> thrown = Fetch(port_, "GET", "/throw");
  EXPECT_EQ(thrown->status, 500);
  EXPECT_THAT(thrown->body, ::testing::Not(HasSubstr("secret")));
  absl::StatusOr<RawResponse> injected = Fetch(port_, "GET", "/bad-header");
  EXPECT_EQ(injected->status, 500);
  EXPECT_EQ(injected->headers.count("set-cookie"), 0u);
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  RawClient client = Connect();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client.Send(Get(absl::StrCat("/api/", i))).ok());
    absl::StatusOr<RawResponse> response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, absl::StrCat("api /api/", i));
    EXPECT_EQ(response->headers.count("connection"), 0u);
  }
}

TEST_F(HttpServerTest, Http10KeepsAliveOnlyWhenAsked) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client.Send("GET /page HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").ok());
  absl::StatusOr<RawResponse> kept = client.Read(kWait);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->headers["connection"], "keep-alive");
  ASSERT_TRUE(client.Send("GET /page HTTP/1.0\r\n\r\n").ok());
  EXPECT_EQ(client.Read(kWait)->headers["connection"], "close");
  EXPECT_TRUE(client.WaitForClose(kWait));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client.Send(Get("/slow") + Get("/api/1") + Get("/api/2")).ok());
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(kWait));
  // Nothing may overtake the slow answer.
  EXPECT_EQ(client.Read(absl::Milliseconds(200)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  release_slow_.Notify();
  EXPECT_EQ(client.Read(kWait)->body, "slow");
  EXPECT_EQ(client.Read(kWait)->body, "api /api/1");
  EXPECT_EQ(client.Read(kWait)->body, "api /api/2");
}

TEST_F(HttpServerTest, PipelinedRequestsEndingWithHalfCloseAreAllAnswered) {
  StartServer();
  RawClient client = Connect();
  std::string requests;
  for (int i = 0; i < 40; ++i) requests += Get(absl::StrCat("/api/", i));  // > max_pipelined
  ASSERT_TRUE(client.Send(requests).ok());
  client.ShutdownWrite();
  for (int i = 0; i < 40; ++i) {
    absl::StatusOr<RawResponse> response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->body, absl::StrCat("api /api/", i));
  }
  EXPECT_TRUE(client.WaitForClose(kWait));
}

TEST_F(HttpServerTest, ASlowHandlerDoesNotHoldUpOtherConnections) {
  StartServer();
  RawClient slow = Connect();
  ASSERT_TRUE(slow.Send(Get("/slow")).ok());
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(kWait));
  absl::StatusOr<RawResponse> fast = Fetch(port_, "GET", "/page");
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->status, 200);
  release_slow_.Notify();
  EXPECT_EQ(slow.Read(kWait)->body, "slow");
}

TEST_F(HttpServerTest, ExpectContinueGetsContinueBeforeTheBody) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client
                  .Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                        "Content-Length: 4\r\n\r\n")
                  .ok());
  absl::StatusOr<RawResponse> interim = client.Read(kWait);
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("abcd").ok());
  absl::StatusOr<RawResponse> response = client.Read(kWait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->body, HasSubstr("body 4\n"));
}

TEST_F(HttpServerTest, OversizedHeadersAre431AndClose) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  RawClient client = Connect();
  ASSERT_TRUE(client.Send(Get("/page", "X-Big: " + std::string(2000, 'a') + "\r\n")).ok());
  absl::StatusOr<RawResponse> response = client.Read(kWait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(client.WaitForClose(kWait));
  // A long URL counts too.
  EXPECT_EQ(Fetch(port_, "GET", "/page?" + std::string(2000, 'q'))->status, 431);
}

TEST_F(HttpServerTest, OversizedBodiesAre413AndClose) {
  StartServer();  // 1 MiB
  RawClient declared = Connect();
  ASSERT_TRUE(declared
                  .Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n" +
                        std::string(1000, 'x'))
                  .ok());
  absl::StatusOr<RawResponse> response = declared.Read(kWait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(declared.WaitForClose(kWait));

  RawClient chunked = Connect();
  ASSERT_TRUE(
      chunked.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n").ok());
  const std::string chunk = absl::StrCat("10000\r\n", std::string(0x10000, 'y'), "\r\n");
  absl::Status sent;
  for (int i = 0; i < 17 && sent.ok(); ++i) sent = chunked.Send(chunk);
  response = chunked.Read(kWait);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(chunked.WaitForClose(kWait));

  // Exactly at the limit is fine.
  EXPECT_THAT(Fetch(port_, "POST", "/echo", "", std::string(1024 * 1024, 'z'))->body,
              HasSubstr("body 1048576\n"));
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndClose) {
  StartServer();
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("GET /page HTTP/1.1\r\nHost: t\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: "
                    "-1\r\n\r\n")}) {
    RawClient client = Connect();
    ASSERT_TRUE(client.Send(garbage).ok());
    absl::StatusOr<RawResponse> response = client.Read(kWait);
    if (response.ok() && response->status == 200) response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 400) << garbage;
    EXPECT_TRUE(client.WaitForClose(kWait)) << garbage;
  }
  EXPECT_EQ(Fetch(port_, "GET", "/page")->status, 200);  // still serving
}

TEST_F(HttpServerTest, UnsupportedVersionIs505) {
  StartServer();
  RawClient client = Connect();
  ASSERT_TRUE(client.Send("GET / HTTP/2.0\r\nHost: t\r\n\r\n").ok());
  EXPECT_EQ(client.Read(kWait)->status, 505);
  EXPECT_TRUE(client.WaitForClose(kWait));
}

TEST_F(HttpServerTest, ASlowClientIsClosedAfterTheHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawClient client = Connect();
  const absl::Time start = absl::Now();
  ASSERT_TRUE(client.Send("GET /page HTTP/1.1\r\nHost: t\r\n").ok());
  // Trickling more header bytes does not extend the deadline.
  ASSERT_TRUE(client.Send("X-A: 1\r\n").ok());
  EXPECT_TRUE(client.WaitForClose(kWait));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawClient client = Connect();
  ASSERT_TRUE(client.Send(Get("/page")).ok());
  ASSERT_EQ(client.Read(kWait)->status, 200);
  const absl::Time start = absl::Now();
  EXPECT_TRUE(client.WaitForClose(kWait));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  // A half-sent body waits for the idle timeout too.
  RawClient body = Connect();
  ASSERT_TRUE(body.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc").ok());
  EXPECT_TRUE(body.WaitForClose(kWait));
}

TEST_F(HttpServerTest, ManyConcurrentConnections) {
  StartServer();
  constexpr int kClients = 200;
  std::vector<RawClient> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(Connect());
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(clients[i].Send(Get(absl::StrCat("/api/", i))).ok());
  }
  for (int i = 0; i < kClients; ++i) {
    absl::StatusOr<RawResponse> response = clients[i].Read(kWait);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->body, absl::StrCat("api /api/", i));
  }
  // And from many threads at once.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        absl::StatusOr<RawResponse> response = Fetch(port_, "GET", "/page");
        if (response.ok() && response->status == 200) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  RawClient first = Connect();
  RawClient second = Connect();
  // Both are accepted once they are answered; then both are busy (an idle
  // one would make room for the third).
  ASSERT_TRUE(first.Send(Get("/page")).ok());
  ASSERT_TRUE(second.Send(Get("/page")).ok());
  ASSERT_EQ(first.Read(kWait)->status, 200);
  ASSERT_EQ(second.Read(kWait)->status, 200);
  ASSERT_TRUE(first.Send(Get("/slow")).ok());
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(kWait));
  // A body the server has asked for (100 Continue) and not yet had.
  ASSERT_TRUE(second
                  .Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                        "Content-Length: 4\r\n\r\n")
                  .ok());
  ASSERT_EQ(second.Read(kWait)->status, 100);
  RawClient third = Connect();
  absl::StatusOr<RawResponse> refused = third.Read(kWait);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(third.WaitForClose(kWait));
}

TEST_F(HttpServerTest, ShutdownClosesOpenConnectionsAndWaitsForHandlers) {
  StartServer();
  RawClient idle = Connect();
  RawClient partial = Connect();
  RawClient busy = Connect();
  ASSERT_TRUE(idle.Send(Get("/page")).ok());
  ASSERT_EQ(idle.Read(kWait)->status, 200);
  ASSERT_TRUE(partial.Send("GET /page HTTP/1.1\r\n").ok());
  ASSERT_TRUE(busy.Send(Get("/slow")).ok());
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(kWait));

  std::future<void> shutdown = std::async(std::launch::async, [this] { server_->Shutdown(); });
  EXPECT_TRUE(idle.WaitForClose(kWait));
  EXPECT_TRUE(partial.WaitForClose(kWait));
  EXPECT_TRUE(busy.WaitForClose(kWait));
  // Shutdown waits for the running handler.
  EXPECT_EQ(shutdown.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  release_slow_.Notify();
  ASSERT_EQ(shutdown.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(server_->port(), 0);
  EXPECT_FALSE(RawClient::Connect(port_).ok());
  server_->Shutdown();  // idempotent
}

TEST_F(HttpServerTest, StartErrorsNameTheAddress) {
  StartServer();
  HttpServer other;
  absl::StatusOr<int> taken = other.Start("127.0.0.1", port_);
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(taken.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", port_)));
  EXPECT_EQ(other.Start("localhost", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(other.Start("127.0.0.1", 70000).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server_->Start("127.0.0.1", 0).status().code(), absl::StatusCode::kFailedPrecondition);
  // A failed start leaves the server startable.
  absl::StatusOr<int> port = other.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  other.Shutdown();
}

TEST_F(HttpServerTest, RestartsAfterShutdownAndServesIpv6) {
  StartServer();
  server_->Shutdown();
  absl::StatusOr<int> port = server_->Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  port_ = *port;
  EXPECT_EQ(Fetch(port_, "GET", "/page")->status, 200);
  HttpServer v6;
  absl::StatusOr<int> v6_port = v6.Start("::1", 0);
  if (!v6_port.ok()) GTEST_SKIP() << "no IPv6 loopback: " << v6_port.status();
  EXPECT_GT(*v6_port, 0);
}

TEST(HttpServerOnLoopTest, ServesOnAnExistingEventLoop) {
  internal::EventLoop loop;
  std::unique_ptr<HttpServer> server = internal::NewHttpServerOnLoop(loop);
  server->Handle("/healthz", [](const HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  absl::StatusOr<int> port = server->Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(Fetch(*port, "GET", "/healthz")->body, "ok");
  server->Shutdown();
  // The loop still runs other work.
  meshup::internal::Notification ran;
  loop.Post([&](uv_loop_t*) { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(kWait));
}

// A client that hangs up while the server writes its answer must not end
// the process: libuv writes with write(2), which raises SIGPIPE, whose
// default action is to terminate. Found by the chaos suite (scenario 8).
TEST_F(HttpServerTest, AClientHangingUpMidAnswerDoesNotKillTheProcess) {
  signal(SIGPIPE, SIG_DFL);  // as in a process that never touched it
  StartServer();
  for (int i = 0; i < 20; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const std::string request = Get("/big");
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    close(fd);  // before the answer: a FIN, then the server writes on
  }
  absl::StatusOr<RawResponse> page = Fetch(port_, "GET", "/page");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
}

}  // namespace
}  // namespace meshup
