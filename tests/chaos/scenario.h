// What the chaos scenarios share: the configuration they write, the row each
// writes when it ends (held or not), and durations a run may change.
#ifndef MESHUP_TESTS_CHAOS_SCENARIO_H_
#define MESHUP_TESTS_CHAOS_SCENARIO_H_

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "scenario_report.h"

namespace meshup::chaos {

// A VirtualService for `everything` with one route to it and `extra`
// (indented as route fields, e.g. "    retries: {attempts: 2}\n").
inline std::string Routes(const std::string& extra = "") {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: everything}\n"
         "spec:\n  hosts: [everything]\n  http:\n  - route: [{destination: {host: everything}}]\n" +
         extra;
}

// A DestinationRule for `everything` whose trafficPolicy is `policy`
// (indented by four).
inline std::string Rule(const std::string& policy) {
  return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: everything}\n"
         "spec:\n  host: everything\n  trafficPolicy:\n" +
         policy;
}

// A Mesh document naming an etcd registry.
inline std::string EtcdMesh(const std::string& url) {
  return "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\n"
         "spec:\n  registry:\n    type: etcd\n    endpoints: [" +
         url + "]\n    prefix: /meshup/\n";
}

// Seconds from the environment variable `name`, else `fallback`.
inline absl::Duration EnvSeconds(const char* name, int fallback) {
  const char* value = std::getenv(name);
  int seconds = fallback;
  if (value != nullptr && absl::SimpleAtoi(value, &seconds) && seconds > 0) {
    return absl::Seconds(seconds);
  }
  return absl::Seconds(fallback);
}

// `d` to the millisecond, for the report ("1.234s", "21ms").
inline std::string Rounded(absl::Duration d) {
  if (d < absl::Milliseconds(1)) return "<1ms";
  return absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(1)));
}

// Writes the report's row when the scenario ends, however it ends.
class RowOnExit {
 public:
  explicit RowOnExit(ScenarioReport& report) : report_(report) {}
  ~RowOnExit() { report_.Write(!::testing::Test::HasFailure()); }

 private:
  ScenarioReport& report_;
};

#define CHAOS_ASSERT_OK(expr)                     \
  do {                                            \
    const absl::Status chaos_status_ = (expr);    \
    ASSERT_TRUE(chaos_status_.ok()) << chaos_status_; \
  } while (0)

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_SCENARIO_H_
