#include "scenario_report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace meshup::chaos {
namespace {

// Where a run's rows go.
std::filesystem::path ResultsDirectory() {
  const char* configured = std::getenv("MESHUP_CHAOS_RESULTS");
  const std::filesystem::path directory =
      configured != nullptr && *configured != '\0' ? configured : MESHUP_CHAOS_DEFAULT_RESULTS;
  std::filesystem::create_directories(directory);
  return directory;
}

}  // namespace

ScenarioReport::ScenarioReport(std::string id, std::string title)
    : id_(std::move(id)), title_(std::move(title)), start_(absl::Now()) {}

void ScenarioReport::AddLoad(const BackgroundLoad& load) {
  sent_ += load.sent();
  succeeded_ += load.succeeded();
  failed_ += load.failed();
  Note(absl::StrCat(load.name(), ": ", load.sent(), " sent, ", load.succeeded(), " ok, ",
                    load.failed(), " failed",
                    load.failed() == 0 ? "" : absl::StrCat(" (", load.Failures(), ")")));
}

void ScenarioReport::AddCalls(uint64_t succeeded, uint64_t failed) {
  sent_ += succeeded + failed;
  succeeded_ += succeeded;
  failed_ += failed;
}

void ScenarioReport::Note(std::string fact) { notes_.push_back(std::move(fact)); }

void ScenarioReport::Write(bool held) const {
  const std::filesystem::path directory = ResultsDirectory();
  const double percent = sent_ == 0 ? 100.0 : 100.0 * succeeded_ / sent_;
  std::string held_text = absl::StrReplaceAll(absl::StrJoin(notes_, "; "), {{"|", "\\|"}});
  std::ofstream(directory / (id_ + ".row"))
      << absl::StrFormat("| %s | %s | %d | %d | %d | %.3f%% | %s | %.1f s | %s |\n", id_, title_,
                         sent_, succeeded_, failed_, percent, held ? "held" : "**FAILED**",
                         absl::ToDoubleSeconds(absl::Now() - start_), held_text);
}

void WriteSectionRow(const std::string& section, const std::string& id, const std::string& row) {
  std::ofstream(ResultsDirectory() / (id + "." + section)) << row << "\n";
}

}  // namespace meshup::chaos
