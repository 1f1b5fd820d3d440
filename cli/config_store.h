// The live configuration of a mesh as a store of objects, with kubectl's
// semantics: every object is addressed by kind, namespace and name, wherever
// it came from (`meshup up`'s sample config, `meshup apply`).
//
// The store is a configuration directory (what the workloads watch) holding
// one file per object, <kind>.<namespace>.<name>.yaml, whose first line
// records where the object came from ("# meshup-source: /abs/file.yaml").
// Objects are found by their content, not their file names: a directory
// written by hand (several documents per file) is a store too, and a file of
// it is split into one file per object when one of its objects changes.
//
// Apply() creates or replaces the objects of some files; Delete() removes
// the objects some files name. Each is one change: the files must read, and
// the store with the change must load as a whole (config/loader.h), before
// any file is written or removed; otherwise the store is left as it was. The
// writes are ordered so that, as far as possible, each step leaves a
// directory that loads (a DestinationRule's new subset before the route to
// it; a route before the subset it used), since workloads reload on every
// change. Not safe against two writers at once.
#ifndef MESHUP_CLI_CONFIG_STORE_H_
#define MESHUP_CLI_CONFIG_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/loader.h"
#include "config/snapshot.h"

namespace meshup::cli {

struct StoredObject {
  std::string kind;  // "VirtualService"
  std::string namespace_name;
  std::string name;
  std::string source;  // the file it was applied from (absolute), or its own file
  std::string file;    // the store file that holds it
  std::string text;    // the document as applied
};

// "virtualservice.networking.istio.io/reviews", as kubectl names objects.
std::string ResourceName(const std::string& kind, const std::string& name);

// The kind a user means by `word` ("vs", "virtualservices",
// "VirtualService", "virtualservice.networking.istio.io"); empty if none.
std::string KindOf(const std::string& word);

struct Change {
  enum class Outcome { kCreated, kConfigured, kUnchanged, kDeleted, kNotFound };
  StoredObject object;
  Outcome outcome = Outcome::kCreated;

  // "virtualservice.networking.istio.io/reviews created"
  std::string ToString() const;
};

struct ChangeResult {
  std::vector<Change> changes;  // in the files' order
  // The configuration after the change. After Apply() the applied objects
  // carry the applied files' names and lines, for the analysis to cite.
  std::shared_ptr<const config::Snapshot> snapshot;
};

class ConfigStore {
 public:
  explicit ConfigStore(std::string directory) : directory_(std::move(directory)) {}

  const std::string& directory() const { return directory_; }

  // Every object, sorted by kind, namespace and name. NotFound when the
  // directory does not exist.
  absl::StatusOr<std::vector<StoredObject>> List() const;

  // Creates or replaces the objects of `files` (names as the user knows
  // them; errors cite their lines). The source recorded is each file's
  // absolute path, or `source` when not empty.
  absl::StatusOr<ChangeResult> Apply(const std::vector<config::ConfigFile>& files,
                                     const std::string& source = "");

  // Removes the objects `files` name. An object that is not in the store is
  // an error that changes nothing, unless `ignore_not_found` (then its
  // outcome is kNotFound).
  absl::StatusOr<ChangeResult> Delete(const std::vector<config::ConfigFile>& files,
                                      bool ignore_not_found);

  // Empties the directory (creating it if need be) and applies `files`: what
  // `meshup up` installs. On error the directory may be left empty.
  absl::StatusOr<ChangeResult> Reset(const std::vector<config::ConfigFile>& files,
                                     const std::string& source = "");

 private:
  std::string directory_;
};

// A directory's files by name, each with its text.
using Files = std::map<std::string, std::string>;

// The order in which Apply() and Delete() write (or remove, when not in
// `after`) the files that differ between `before` and `after`: at each step
// the first one, in name order (writes before removals), after which the
// directory loads; the first if none does.
std::vector<std::string> ChangeOrder(Files before, const Files& after);

// Reads `paths` for Apply()/Delete(): a file as is ("-" is stdin); a
// directory's *.yaml and *.yml files in name order (not its subdirectories),
// as `kubectl apply -f DIR` does. An error names the path that cannot be
// read, or a directory without such files.
absl::StatusOr<std::vector<config::ConfigFile>> ReadConfigPaths(
    const std::vector<std::string>& paths);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_CONFIG_STORE_H_
