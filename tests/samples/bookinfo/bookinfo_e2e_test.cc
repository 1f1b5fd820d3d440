// Bookinfo end to end: details, ratings, reviews v1/v2/v3 and productpage
// as real processes over mTLS (identities from the built-in CA), sharing a
// file registry and a config directory in a temporary directory, talking to
// productpage over plain HTTP. Every process is killed and reaped even when
// a test fails (Subprocess); every wait is bounded.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "raw_client.h"
#include "security/certificate_authority.h"
#include "subprocess.h"

namespace bookinfo {
namespace {

using meshup::testing::Fetch;
using meshup::testing::RawResponse;
using meshup::testing::Subprocess;
using ::testing::HasSubstr;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr absl::Duration kConvergeTimeout = absl::Seconds(30);
constexpr char kRatingsUnavailable[] = "Ratings service is currently unavailable";

class BookinfoE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("meshup-bookinfo-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "config");
    std::filesystem::create_directories(dir_ / "registry");
    ASSERT_TRUE(meshup::internal::InitCa(Path("ca"), meshup::internal::CaOptions()).ok());
    for (const char* account : {"details", "ratings", "reviews", "productpage"}) {
      meshup::internal::IssueOptions options;
      options.id.namespace_name = "default";
      options.id.service_account = absl::StrCat("bookinfo-", account);
      ASSERT_TRUE(meshup::internal::IssueWorkloadCertificate(
                      Path("ca"), Path(absl::StrCat("id/", account)), options)
                      .ok());
    }
  }

  void TearDown() override {
    processes_.clear();  // SIGKILL and reap whatever still runs
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void WriteConfig(const std::string& name, const std::string& yaml) {
    std::ofstream(dir_ / "config" / name) << yaml;
  }

  // Starts one workload; returns its port from the "serving" line.
  int StartWorkload(const std::string& binary, const std::string& service,
                    const std::string& version) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "MESHUP_SERVICE=" + service,
                                     "MESHUP_VERSION=" + version,
                                     "MESHUP_NAMESPACE=default",
                                     "MESHUP_CONFIG_DIR=" + Path("config"),
                                     "MESHUP_REGISTRY_DIR=" + Path("registry"),
                                     "MESHUP_IDENTITY_DIR=" + Path("id/" + service),
                                     "MESHUP_HOST=127.0.0.1",
                                     "MESHUP_PORT=0",
                                     binary};
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(argv);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return 0;
    const std::string prefix = absl::StrCat("serving ", service, " ", version, " on 127.0.0.1:");
    absl::StatusOr<std::string> port = (*process)->WaitForLine(prefix, kStartTimeout);
    EXPECT_TRUE(port.ok()) << binary << ": " << port.status();
    int number = 0;
    EXPECT_TRUE(port.ok() && absl::SimpleAtoi(*port, &number)) << (port.ok() ? *port : "");
    processes_[service + "-" + version] = *std::move(process);
    return number;
  }

  void StartBookinfo() {
    StartWorkload(BOOKINFO_DETAILS, "details", "v1");
    StartWorkload(BOOKINFO_RATINGS, "ratings", "v1");
    for (const char* version : {"v1", "v2", "v3"})
      StartWorkload(BOOKINFO_REVIEWS, "reviews", version);
    port_ = StartWorkload(BOOKINFO_PRODUCTPAGE, "productpage", "v1");
    ASSERT_GT(port_, 0);
    ASSERT_NE(port_, 9080);
  }

  absl::StatusOr<RawResponse> Get(const std::string& path, const std::string& cookie = "") {
    return Fetch(port_, "GET", path, cookie.empty() ? "" : "Cookie: " + cookie + "\r\n");
  }

  // The reviews API's answer, parsed; null JSON on failure.
  nlohmann::json Reviews(const std::string& cookie = "") {
    absl::StatusOr<RawResponse> response = Get("/api/v1/products/0/reviews", cookie);
    if (!response.ok() || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  }

  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<Subprocess>> processes_;
  int port_ = 0;
};

TEST_F(BookinfoE2eTest, ThePageShowsAllThreeReviewsVersions) {
  StartBookinfo();
  std::set<std::string> api_versions;
  std::set<std::string> page_versions;
  const absl::Time deadline = absl::Now() + kConvergeTimeout;
  while ((api_versions.size() < 3 || page_versions.size() < 3) && absl::Now() < deadline) {
    nlohmann::json reviews = Reviews();
    if (reviews.is_object()) {
      const std::string version = reviews.value("version", "");
      api_versions.insert(version);
      ASSERT_EQ(reviews["reviews"].size(), 2u);
      if (version == "v1") {
        EXPECT_FALSE(reviews["reviews"][0].contains("rating"));
      } else {
        EXPECT_EQ(reviews["reviews"][0]["rating"]["stars"], 5) << reviews.dump();
        EXPECT_EQ(reviews["reviews"][1]["rating"]["color"], version == "v2" ? "black" : "red");
      }
    }
    absl::StatusOr<RawResponse> page = Get("/productpage");
    if (page.ok() && page->status == 200 && absl::StrContains(page->body, "123-1234567890")) {
      for (const char* version : {"v1", "v2", "v3"}) {
        if (absl::StrContains(page->body, absl::StrCat("reviews-", version, "</b>"))) {
          page_versions.insert(version);
        }
      }
      if (absl::StrContains(page->body, "reviews-v3</b>")) {
        EXPECT_THAT(page->body, HasSubstr("style=\"color: red\""));
        EXPECT_THAT(page->body, HasSubstr("\u2605"));
      }
    }
  }
  EXPECT_EQ(api_versions, (std::set<std::string>{"v1", "v2", "v3"}));
  EXPECT_EQ(page_versions, (std::set<std::string>{"v1", "v2", "v3"}));

  absl::StatusOr<RawResponse> details = Get("/api/v1/products/0");
  ASSERT_TRUE(details.ok()) << details.status();
  EXPECT_EQ(nlohmann::json::parse(details->body)["author"], "William Shakespeare");
  absl::StatusOr<RawResponse> ratings = Get("/api/v1/products/0/ratings");
  ASSERT_TRUE(ratings.ok()) << ratings.status();
  EXPECT_EQ(nlohmann::json::parse(ratings->body)["ratings"]["Reviewer2"], 4);
  EXPECT_EQ(Get("/health")->status, 200);

  // SIGTERM: every workload stops cleanly and leaves the registry.
  for (auto& [name, process] : processes_) {
    absl::StatusOr<int> status = process->Stop(SIGTERM, absl::Seconds(20));
    ASSERT_TRUE(status.ok()) << name << ": " << status.status();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << name << ": " << *status;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "registry"));
}

TEST_F(BookinfoE2eTest, WithoutRatingsOrDetailsThePageStillRenders) {
  StartBookinfo();
  ASSERT_TRUE(processes_["ratings-v1"]->Stop(SIGKILL, absl::Seconds(10)).ok());
  std::set<std::string> unavailable_versions;
  const absl::Time deadline = absl::Now() + kConvergeTimeout;
  while (unavailable_versions.size() < 2 && absl::Now() < deadline) {
    nlohmann::json reviews = Reviews();
    if (!reviews.is_object()) continue;
    const std::string version = reviews.value("version", "");
    if (version == "v1") continue;
    const nlohmann::json& rating = reviews["reviews"][0]["rating"];
    if (rating.value("error", "") == kRatingsUnavailable) unavailable_versions.insert(version);
  }
  EXPECT_EQ(unavailable_versions, (std::set<std::string>{"v2", "v3"}));
  // And on the page.
  bool seen_on_page = false;
  for (int i = 0; i < 50 && !seen_on_page; ++i) {
    absl::StatusOr<RawResponse> page = Get("/productpage");
    seen_on_page = page.ok() && absl::StrContains(page->body, kRatingsUnavailable);
  }
  EXPECT_TRUE(seen_on_page);

  ASSERT_TRUE(processes_["details-v1"]->Stop(SIGKILL, absl::Seconds(10)).ok());
  absl::StatusOr<RawResponse> page = Get("/productpage");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body,
              HasSubstr("Sorry, product details are currently unavailable for this book."));
  EXPECT_EQ(Get("/api/v1/products/0")->status, 503);

  for (const char* version : {"v1", "v2", "v3"}) {
    ASSERT_TRUE(
        processes_[absl::StrCat("reviews-", version)]->Stop(SIGKILL, absl::Seconds(10)).ok());
  }
  page = Get("/productpage");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body,
              HasSubstr("Sorry, product reviews are currently unavailable for this book."));
}

// jason's requests carry end-user: jason from productpage to reviews (routed
// to v2) and from reviews to ratings (aborted for him alone).
TEST_F(BookinfoE2eTest, TheLoggedInUserTravelsAsEndUser) {
  WriteConfig("reviews.yaml", R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    fault:
      abort:
        percentage: {value: 100}
        httpStatus: 500
    route:
    - destination: {host: ratings}
  - route:
    - destination: {host: ratings}
)");
  StartBookinfo();

  absl::StatusOr<RawResponse> login =
      Fetch(port_, "POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n",
            "username=jason&passwd=jason");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->status, 302);
  const std::string set_cookie = login->headers["set-cookie"];
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  ASSERT_EQ(cookie, "user=jason");

  // Wait until the page answers at all (registrations seen).
  const absl::Time deadline = absl::Now() + kConvergeTimeout;
  while (!Reviews().is_object() && absl::Now() < deadline) {
  }
  for (int i = 0; i < 20; ++i) {
    nlohmann::json anonymous = Reviews();
    ASSERT_TRUE(anonymous.is_object());
    EXPECT_EQ(anonymous["version"], "v1");
    nlohmann::json jason = Reviews(cookie);
    ASSERT_TRUE(jason.is_object());
    EXPECT_EQ(jason["version"], "v2");
    EXPECT_EQ(jason["reviews"][0]["rating"].value("error", ""), kRatingsUnavailable);
  }
  absl::StatusOr<RawResponse> page = Get("/productpage", cookie);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->body, HasSubstr("Signed in as <b>jason</b>"));
  EXPECT_THAT(page->body, HasSubstr("reviews-v2</b>"));
  EXPECT_THAT(page->body, HasSubstr(kRatingsUnavailable));

  // Someone else logged in gets v1; jason logged out too.
  EXPECT_EQ(Reviews("user=alice")["version"], "v1");
  absl::StatusOr<RawResponse> logout =
      Fetch(port_, "POST", "/logout", "Cookie: " + cookie + "\r\n");
  ASSERT_TRUE(logout.ok());
  EXPECT_THAT(logout->headers["set-cookie"], HasSubstr("Max-Age=0"));
}

}  // namespace
}  // namespace bookinfo
