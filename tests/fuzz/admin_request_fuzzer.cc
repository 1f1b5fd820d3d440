// libFuzzer target: fuzzed HTTP requests at the admin endpoints
// (HandleAdminRequest), against a real MetricsRegistry holding series with
// fuzzed label values (peers' headers and discovery labels reach them) and a
// real ConfigSource watching a directory whose last reload was rejected.
// The first byte picks the mode: odd, the rest is what a client sends (raw
// bytes through the HTTP/1.1 request parser, as the admin server reads
// them), against series with hostile fixed labels; even, the rest makes
// structured fields (method, path, query, headers) and the series' labels.
//
// Invariants: nothing crashes or throws; only GET and HEAD are served (405
// with Allow otherwise); the status is one the contract lists; JSON
// endpoints answer JSON that parses; /metrics is Prometheus text (every line
// a comment or a sample, so no label value can break a line); no header
// carries CR or LF.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "admin/admin_handlers.h"
#include "config/config_source.h"
#include "http/request_parser.h"
#include "loop/event_loop.h"
#include "nlohmann/json.hpp"
#include "telemetry/metrics.h"

namespace {

using meshup::HttpRequest;
using meshup::HttpResponse;

constexpr char kConfig[] = R"(apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: "/bookinfo.Reviews/"}}]
    route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v2}, weight: 10}
    timeout: 2s
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-delete, namespace: default}
spec:
  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Reviews/DeleteReview"]}}]
)";

// A ConfigSource on a real directory: a good configuration, then a rejected
// update, so that /config_dump shows a snapshot and an error.
const meshup::config::ConfigSource& Config() {
  static const auto* source = [] {
    static auto* loop = new meshup::internal::EventLoop();
    const std::filesystem::path directory =
        std::filesystem::temp_directory_path() /
        ("meshup-admin-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(directory);
    std::ofstream(directory / "reviews.yaml") << kConfig;
    auto watched = meshup::config::ConfigSource::Watch(directory.string(), *loop);
    if (!watched.ok()) std::abort();
    (*watched)->StopWatching();
    std::ofstream(directory / "broken.yaml") << "kind: VirtualService\nspec: {hosts: [\"\xff\"]}\n";
    if ((*watched)->Reload().ok()) std::abort();
    std::filesystem::remove_all(directory);
    return watched->release();
  }();
  return *source;
}

// A registry with one ordinary series, and one whose labels are `hostile`
// (as a peer's header or a discovery label might carry them).
std::unique_ptr<meshup::internal::MetricsRegistry> Metrics(
    const std::vector<std::string>& hostile, int code, bool by_mesh, uint16_t ms) {
  auto metrics = std::make_unique<meshup::internal::MetricsRegistry>();
  meshup::internal::RequestLabels labels;
  labels.destination.app = "reviews";
  labels.destination.version = "v1";
  metrics->Find(labels)->Record(0, false, absl::Milliseconds(3), 10, 200);
  labels.reporter = meshup::internal::RequestLabels::Reporter::kDestination;
  labels.source.workload = hostile[0];
  labels.source.principal = hostile[1];
  labels.destination.app = hostile[2];
  labels.destination.version = hostile[3];
  labels.destination_service = hostile[4];
  metrics->Find(labels)->Record(code, by_mesh, absl::Milliseconds(ms), 100, 1000);
  return metrics;
}

std::vector<HttpRequest> ParseRaw(absl::string_view bytes) {
  meshup::internal::RequestParser parser(4096, 65536);
  std::vector<meshup::internal::ParsedRequest> parsed;
  parser.Feed(bytes, parsed);
  std::vector<HttpRequest> requests;
  for (auto& one : parsed) requests.push_back(std::move(one.request));
  return requests;
}

HttpRequest Structured(FuzzedDataProvider& input) {
  static constexpr const char* kPaths[] = {"/metrics",     "/stats/json", "/healthz", "/ready",
                                           "/config_dump", "/clusters",   "/"};
  static constexpr const char* kMethods[] = {"GET", "HEAD", "POST", "get", "OPTIONS"};
  HttpRequest request;
  request.method = input.ConsumeBool() ? kMethods[input.ConsumeIntegralInRange(0, 4)]
                                       : input.ConsumeRandomLengthString(8);
  request.path = input.ConsumeBool() ? kPaths[input.ConsumeIntegralInRange(0, 6)]
                                     : input.ConsumeRandomLengthString(64);
  if (input.ConsumeBool()) request.path += input.ConsumeRandomLengthString(16);
  request.query = input.ConsumeRandomLengthString(32);
  const int headers = input.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < headers; ++i) {
    std::string name = input.ConsumeRandomLengthString(16);
    request.headers.Add(std::move(name), input.ConsumeRandomLengthString(32));
  }
  request.body = input.ConsumeRandomLengthString(64);
  return request;
}

void CheckPrometheusText(const std::string& text) {
  if (!text.empty() && text.back() != '\n') std::abort();
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "# HELP ") || absl::StartsWith(line, "# TYPE ")) continue;
    // name{labels} value: the name starts the line, the value ends it.
    const char first = line[0];
    if (!(first == '_' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
      std::abort();
    }
    if (line.find(' ') == absl::string_view::npos) std::abort();
  }
}

void CheckResponse(const HttpRequest& request, const HttpResponse& response) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (!get) {
    if (response.status != 405 || !response.headers.Has("Allow")) std::abort();
    return;
  }
  switch (response.status) {
    case 200: case 404: case 503: break;
    default: std::abort();
  }
  for (const auto& [name, value] : response.headers.fields()) {
    if (name.find_first_of("\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      std::abort();
    }
  }
  if (response.status != 200) return;
  if (request.path == "/stats/json" || request.path == "/config_dump" ||
      request.path == "/clusters") {
    if (!nlohmann::json::accept(response.body)) std::abort();
  }
  if (request.path == "/metrics") CheckPrometheusText(response.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::unique_ptr<meshup::internal::MetricsRegistry> metrics;
  std::vector<HttpRequest> requests;
  bool ready = true;
  if (data[0] % 2 == 1) {
    metrics = Metrics({"a\"b\nc", "spiffe://x/ns/y/sa/\xff", "\xc3(", "v\r\n1", ""}, 14, true,
                      65535);
    requests = ParseRaw(absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    FuzzedDataProvider input(data + 1, size - 1);
    std::vector<std::string> hostile;
    for (int i = 0; i < 5; ++i) hostile.push_back(input.ConsumeRandomLengthString(24));
    metrics = Metrics(hostile, input.ConsumeIntegralInRange(0, 16), input.ConsumeBool(),
                      input.ConsumeIntegral<uint16_t>());
    ready = input.ConsumeBool();
    requests.push_back(Structured(input));
  }
  meshup::internal::AdminSources sources;
  sources.metrics = metrics.get();
  sources.config = &Config();
  sources.ready = [ready] { return ready; };
  for (const HttpRequest& request : requests) {
    CheckResponse(request, meshup::internal::HandleAdminRequest(sources, request));
  }
  return 0;
}
