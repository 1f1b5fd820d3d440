// One row of the chaos report: a scenario, its calls (sent, succeeded,
// failed) and what held, with figures. Each scenario fills one and writes it
// when it ends, held or not; tests/chaos/assemble_report.sh turns the rows of
// a run into tests/chaos/REPORT.md.
//
// Rows go to the directory $MESHUP_CHAOS_RESULTS, or else to the build's
// tests/chaos/results, one file per scenario ("<id>.row": a Markdown table
// row), so that scenarios may run in any order and in separate processes.
#ifndef MESHUP_TESTS_CHAOS_SCENARIO_REPORT_H_
#define MESHUP_TESTS_CHAOS_SCENARIO_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "background_load.h"

namespace meshup::chaos {

class ScenarioReport {
 public:
  // `id` orders the rows ("1-sigkill"); `title` names the scenario.
  ScenarioReport(std::string id, std::string title);

  // Adds a load's calls to the row's totals, and its name and figures to
  // what held.
  void AddLoad(const BackgroundLoad& load);
  // Adds calls made outside a BackgroundLoad.
  void AddCalls(uint64_t succeeded, uint64_t failed);
  // A fact the scenario checked, with its figures ("dead replica ejected
  // after 3 failed attempts").
  void Note(std::string fact);

  // Writes the row; `held` false marks it as failed.
  void Write(bool held) const;

 private:
  const std::string id_, title_;
  const absl::Time start_;
  uint64_t sent_ = 0, succeeded_ = 0, failed_ = 0;
  std::vector<std::string> notes_;
};

// Writes a row of a section of the report other than the scenarios' table
// ("<id>.<section>" beside the rows; assemble_report.sh reads each section's
// files), e.g. one row per attack of a scenario.
void WriteSectionRow(const std::string& section, const std::string& id, const std::string& row);

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_SCENARIO_REPORT_H_
