// Bookinfo end to end, as a user drives it: `meshup up --detach`, Istio's
// traffic-management tasks applied with `meshup apply`, plain HTTP against
// the product page, and a headless Chromium that logs in as jason.
//
// Distributions are counted over 200 requests with tolerances of more than
// four standard deviations of the binomial distribution, so a correct
// router fails them with a probability below 1e-4.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "discovery/http_client.h"
#include "free_port.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_get.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"

namespace meshup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kReviewsUnavailable[] =
    "Sorry, product reviews are currently unavailable for this book.";
constexpr char kRatingsUnavailable[] = "Ratings service is currently unavailable";

class BookinfoTasksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new fs::path(fs::temp_directory_path() / absl::StrCat("meshup-e2e-", getpid()));
    fs::remove_all(*state_);
    fs::create_directories(*state_);
    const int code = Meshup(absl::StrCat("up ", MESHUP_SOURCE_DIR, "/samples/bookinfo --detach ",
                                         "--port 0 --bin-dir ", BOOKINFO_BIN_DIR));
    ASSERT_EQ(code, 0) << Log();
    std::ifstream in(*state_ / "state.json");
    nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(state.is_object());
    page_ = new std::string(state["url"].get<std::string>());
    base_ = new std::string(page_->substr(0, page_->rfind('/')));
    admin_ports_ = new std::vector<int>();
    for (const auto& workload : state["workloads"]) {
      admin_ports_->push_back(workload["admin_port"].get<int>());
      pids_.push_back(workload["pid"].get<int>());
    }
  }

  static void TearDownTestSuite() {
    Meshup("down");
    for (int pid : pids_) kill(pid, SIGKILL);  // whatever `down` could not stop
    fs::remove_all(*state_);
  }

  // Runs `meshup ARGS --state STATE`, output to a log; returns the exit code.
  static int Meshup(const std::string& args) {
    const std::string command =
        absl::StrCat("timeout 120 ", MESHUP_BINARY, " ", args, " --state ", state_->string(),
                     " >> ", (*state_ / "meshup.log").string(), " 2>&1");
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static std::string Log() {
    std::ifstream in(*state_ / "meshup.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Applies a traffic task and waits until every workload reloaded.
  void Apply(const std::string& task) {
    const std::vector<int64_t> before = Generations();
    ASSERT_EQ(
        Meshup(absl::StrCat("apply ", MESHUP_SOURCE_DIR, "/samples/bookinfo/networking/", task)), 0)
        << Log();
    const absl::Time start = absl::Now();
    std::vector<int64_t> now = Generations();
    for (bool all = false; !all && absl::Now() < start + absl::Seconds(5);) {
      absl::SleepFor(absl::Milliseconds(20));
      now = Generations();
      all = true;
      for (size_t i = 0; i < now.size(); ++i) all = all && now[i] > before[i];
    }
    for (size_t i = 0; i < now.size(); ++i) {
      ASSERT_GT(now[i], before[i]) << "a workload did not reload " << task;
    }
    // The documented promise: a change applies within a second.
    EXPECT_LT(absl::Now() - start, absl::Seconds(1.5)) << task;
  }

  std::vector<int64_t> Generations() {
    std::vector<int64_t> generations;
    for (int port : *admin_ports_) {
      auto dump = testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/config_dump"));
      nlohmann::json json =
          dump.ok() ? nlohmann::json::parse(dump->body, nullptr, false) : nlohmann::json();
      generations.push_back(json.is_object() ? json["generation"].get<int64_t>() : -1);
    }
    return generations;
  }

  static std::vector<std::string> UserHeaders(const std::string& user) {
    if (user.empty()) return {};
    return {"Cookie: user=" + user};
  }

  // How many of `count` review requests each version served.
  std::map<std::string, int> CountVersions(int count, const std::string& user = "") {
    std::map<std::string, int> versions;
    for (int i = 0; i < count; ++i) {
      auto answer = testing::HttpGet(*base_ + "/api/v1/products/0/reviews", absl::Seconds(10),
                                     UserHeaders(user));
      nlohmann::json body =
          answer.ok() ? nlohmann::json::parse(answer->body, nullptr, false) : nlohmann::json();
      ++versions[body.is_object() && body.contains("version") ? body["version"].get<std::string>()
                                                              : "failed"];
    }
    return versions;
  }

  // The product page as `user` sees it, and how long it took.
  std::string Page(const std::string& user, absl::Duration* took = nullptr) {
    const absl::Time start = absl::Now();
    auto answer = testing::HttpGet(*page_, absl::Seconds(20), UserHeaders(user));
    if (took != nullptr) *took = absl::Now() - start;
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? answer->body : "";
  }

  static fs::path* state_;
  static std::string* page_;
  static std::string* base_;
  static std::vector<int>* admin_ports_;
  static std::vector<int> pids_;
};

fs::path* BookinfoTasksTest::state_ = nullptr;
std::string* BookinfoTasksTest::page_ = nullptr;
std::string* BookinfoTasksTest::base_ = nullptr;
std::vector<int>* BookinfoTasksTest::admin_ports_ = nullptr;
std::vector<int> BookinfoTasksTest::pids_;

TEST_F(BookinfoTasksTest, WithoutRulesAllThreeReviewVersionsServe) {
  Apply("virtual-service-all-v1.yaml");
  ASSERT_EQ(Meshup(absl::StrCat("delete ", MESHUP_SOURCE_DIR,
                                "/samples/bookinfo/networking/virtual-service-all-v1.yaml")),
            0)
      << Log();
  absl::SleepFor(absl::Seconds(1.5));
  std::map<std::string, int> versions = CountVersions(200);
  EXPECT_EQ(versions["failed"], 0);
  // Round robin over three endpoints under P2C: each well represented.
  for (const char* version : {"v1", "v2", "v3"}) EXPECT_GE(versions[version], 30) << version;
  const std::string page = Page("");
  EXPECT_THAT(page, HasSubstr("The Comedy of Errors"));
  EXPECT_THAT(page, HasSubstr("Reviews served by"));
}

TEST_F(BookinfoTasksTest, AllTrafficToV1) {
  Apply("virtual-service-all-v1.yaml");
  std::map<std::string, int> versions = CountVersions(200);
  EXPECT_EQ(versions["v1"], 200) << "v2: " << versions["v2"] << " v3: " << versions["v3"];
  EXPECT_THAT(Page(""), Not(HasSubstr("class=\"stars\"")));
}

TEST_F(BookinfoTasksTest, JasonGetsV2EveryoneElseV1) {
  Apply("virtual-service-all-v1.yaml");
  Apply("virtual-service-reviews-test-v2.yaml");
  EXPECT_EQ(CountVersions(200, "jason")["v2"], 200);
  EXPECT_EQ(CountVersions(200, "mary")["v1"], 200);
  EXPECT_EQ(CountVersions(200)["v1"], 200);
  EXPECT_THAT(Page("jason"), HasSubstr("style=\"color: black\""));
}

TEST_F(BookinfoTasksTest, WeightedShifts) {
  Apply("virtual-service-all-v1.yaml");
  struct Task {
    const char* file;
    const char* other;
    int v1_min, v1_max;  // of 200
  };
  // 50%: sd 7.1 -> +-30; 80%: sd 5.7 -> +-24; 90%: sd 4.2 -> +-18.
  for (const Task& task : {Task{"virtual-service-reviews-50-v3.yaml", "v3", 70, 130},
                           Task{"virtual-service-reviews-80-20.yaml", "v2", 136, 184},
                           Task{"virtual-service-reviews-90-10.yaml", "v2", 162, 198}}) {
    Apply(task.file);
    std::map<std::string, int> versions = CountVersions(200);
    EXPECT_GE(versions["v1"], task.v1_min) << task.file;
    EXPECT_LE(versions["v1"], task.v1_max) << task.file;
    EXPECT_EQ(versions["v1"] + versions[task.other], 200) << task.file;
  }
  Apply("virtual-service-reviews-v3.yaml");
  EXPECT_EQ(CountVersions(200)["v3"], 200);
}

TEST_F(BookinfoTasksTest, A7SecondDelayForJasonTimesOutTheReviewsAfterAbout6Seconds) {
  Apply("virtual-service-all-v1.yaml");
  Apply("virtual-service-reviews-test-v2.yaml");
  Apply("virtual-service-ratings-test-delay.yaml");
  absl::Duration took;
  const std::string page = Page("jason", &took);
  EXPECT_THAT(page, HasSubstr(kReviewsUnavailable));
  // The product page: 3 s per reviews call, tried twice.
  EXPECT_GE(took, absl::Seconds(5.5));
  EXPECT_LE(took, absl::Seconds(8));
  absl::Duration others;
  EXPECT_THAT(Page("mary", &others), Not(HasSubstr(kReviewsUnavailable)));
  EXPECT_LT(others, absl::Seconds(2));
}

TEST_F(BookinfoTasksTest, AnAbortForJasonShowsRatingsUnavailable) {
  Apply("virtual-service-all-v1.yaml");
  Apply("virtual-service-reviews-test-v2.yaml");
  Apply("virtual-service-ratings-test-abort.yaml");
  const std::string page = Page("jason");
  EXPECT_THAT(page, HasSubstr(kRatingsUnavailable));
  EXPECT_THAT(page, Not(HasSubstr(kReviewsUnavailable)));
  EXPECT_THAT(Page("mary"), Not(HasSubstr(kRatingsUnavailable)));
}

TEST_F(BookinfoTasksTest, AHalfSecondReviewsTimeoutReturnsThePageInAboutASecond) {
  Apply("virtual-service-all-v1.yaml");
  Apply("virtual-service-reviews-v2-timeout.yaml");
  Apply("virtual-service-ratings-delay-2s.yaml");
  absl::Duration took;
  EXPECT_THAT(Page("", &took), HasSubstr(kReviewsUnavailable));
  EXPECT_GE(took, absl::Seconds(0.9));
  EXPECT_LE(took, absl::Seconds(2.5));
}

TEST_F(BookinfoTasksTest, AnInvalidFileIsRefusedAndChangesNothing) {
  Apply("virtual-service-all-v1.yaml");
  const fs::path bad = *state_ / "bad.yaml";
  std::ofstream(bad) << "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                     << "metadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n"
                     << "  - route:\n    - destination: {host: reviews, subset: v9}\n";
  const std::vector<int64_t> before = Generations();
  EXPECT_EQ(Meshup("apply " + bad.string()), 1);
  EXPECT_THAT(Log(), HasSubstr("bad.yaml:7: VirtualService default/reviews: unknown subset 'v9'"));
  EXPECT_THAT(Log(), HasSubstr("v9"));
  absl::SleepFor(absl::Seconds(1.5));
  EXPECT_EQ(Generations(), before) << "nothing may change";
  EXPECT_EQ(CountVersions(50)["v1"], 50);
}

// WebDriver over HTTP: a headless Chromium, started and stopped here.
class Browser {
 public:
  explicit Browser(const fs::path& dir) : profile_(dir / "chromium-profile") {}
  ~Browser() {
    if (!session_.empty()) Send("DELETE", "/session/" + session_, "");
    if (driver_) (void)driver_->Stop(SIGTERM, absl::Seconds(5));
    // Chromium processes of this profile, should the driver have left any.
    std::system(absl::StrCat("pkill -KILL -f ", profile_.string(), " 2>/dev/null").c_str());
  }

  absl::Status Start() {
    // Chromium's scratch directories go under the test's directory, which
    // goes with the test, not under /tmp, where a killed browser leaves them.
    const fs::path scratch = profile_.parent_path() / "tmp";
    fs::create_directories(scratch);
    const std::string log = (profile_.parent_path() / "chromedriver.log").string();
    auto driver = testing::StartOnFreePort(
        [&](int port) -> std::vector<std::string> {
          return {"/bin/sh", "-c",
                  absl::StrCat("export TMPDIR=", scratch.string(),
                               "; exec chromedriver --port=", port, " > ", log, " 2>&1")};
        },
        [](int port) {
          auto status = testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/status"),
                                         absl::Seconds(1));
          return status.ok() && status->status == 200;
        },
        log, absl::Seconds(30));
    if (!driver.ok()) return driver.status();
    driver_ = std::move(driver->process);
    port_ = driver->port;
    nlohmann::json capabilities = {
        {"capabilities",
         {{"alwaysMatch",
           {{"browserName", "chrome"},
            {"goog:chromeOptions",
             {{"binary", "/usr/bin/chromium"},
              {"args",
               {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile_.string()}}}}}}}}};
    for (const absl::Time deadline = absl::Now() + absl::Seconds(30); absl::Now() < deadline;) {
      nlohmann::json answer = Send("POST", "/session", capabilities.dump());
      if (answer.is_object() && answer["value"].contains("sessionId")) {
        session_ = answer["value"]["sessionId"];
        return absl::OkStatus();
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return absl::UnavailableError("chromedriver gave no session");
  }

  void Open(const std::string& url) { Command("POST", "/url", {{"url", url}}); }
  // Types into the element matching `css`, or clicks it when `text` is empty.
  void Use(const std::string& css, const std::string& text = "") {
    nlohmann::json found = Command("POST", "/element", {{"using", "css selector"}, {"value", css}});
    std::string id;
    for (const auto& [key, value] : found["value"].items()) id = value.get<std::string>();
    if (text.empty()) {
      Command("POST", "/element/" + id + "/click", nlohmann::json::object());
    } else {
      Command("POST", "/element/" + id + "/value", {{"text", text}});
    }
  }
  std::string Source() {
    nlohmann::json answer = Command("GET", "/source", nullptr);
    return answer["value"].is_string() ? answer["value"].get<std::string>() : "";
  }

 private:
  nlohmann::json Command(const std::string& method, const std::string& path,
                         const nlohmann::json& body) {
    return Send(method, "/session/" + session_ + path, body.is_null() ? "" : body.dump());
  }
  nlohmann::json Send(const std::string& method, const std::string& path, const std::string& body) {
    auto answer = internal::HttpRequest(method, absl::StrCat("http://127.0.0.1:", port_, path),
                                        body, absl::Seconds(30));
    return answer.ok() ? nlohmann::json::parse(answer->body, nullptr, false) : nlohmann::json();
  }

  fs::path profile_;
  int port_ = 0;
  std::unique_ptr<testing::Subprocess> driver_;
  std::string session_;
};

TEST_F(BookinfoTasksTest, InABrowserJasonLogsInAndSeesBlackStars) {
  Apply("virtual-service-all-v1.yaml");
  Apply("virtual-service-reviews-test-v2.yaml");
  Browser browser(*state_);
  ASSERT_TRUE(browser.Start().ok());
  browser.Open(*page_);
  std::string before = browser.Source();
  EXPECT_THAT(before, HasSubstr("The Comedy of Errors"));
  EXPECT_THAT(before, Not(HasSubstr("class=\"stars\"")));
  browser.Use("input[name=username]", "jason");
  browser.Use("input[name=passwd]", "jason");
  browser.Use("form[action='/login'] button");
  std::string after;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       !absl::StrContains(after, "color: black") && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(100));
    after = browser.Source();
  }
  EXPECT_THAT(after, HasSubstr("jason"));
  EXPECT_THAT(after, HasSubstr("style=\"color: black\""));
  EXPECT_THAT(after, HasSubstr("\u2605"));
}

}  // namespace
}  // namespace meshup
