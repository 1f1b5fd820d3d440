// Loads a configuration directory (Istio-format YAML) into a Snapshot.
//
// Every *.yaml and *.yml file directly in the directory is read, in name
// order; each may hold several documents separated by `---`. Accepted kinds:
// networking.istio.io VirtualService, DestinationRule, ServiceEntry and
// WorkloadEntry (apiVersion v1alpha3, v1beta1 or v1), security.istio.io
// PeerAuthentication and AuthorizationPolicy (v1beta1 or v1), and
// meshup.dev/v1alpha1 Mesh. Anything else, any field MeshUp does not implement, and any bad value
// is an error naming the file, line, column and field; a few fields that
// cannot matter to MeshUp (exportTo, metadata of `kubectl get` output, ...)
// only warn. Loading is all or nothing: one error and no snapshot.
//
// LoadConfigDirectory() reads only regular files (or links to them): a
// FIFO, device, socket or directory named *.yaml is an error naming it, and
// is never read, so a load cannot block on one. A file over 4 MiB is refused
// from its size, unread.
#ifndef MESHUP_SRC_CONFIG_LOADER_H_
#define MESHUP_SRC_CONFIG_LOADER_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/documents.h"
#include "config/snapshot.h"

namespace meshup::config {

// One object (document) of a file, as written.
struct ObjectText {
  std::string kind, namespace_name, name;
  std::string text;
};

// Reads `file` document by document with every check that concerns one
// document (YAML, kinds, fields, values; errors name the file's lines), but
// none across documents (subsets, names defined twice): what `meshup apply`
// needs to know which objects a file replaces before it checks the result.
absl::StatusOr<std::vector<ObjectText>> ReadObjects(const ConfigFile& file);

// Reads only which objects `file` names (apiVersion, kind, metadata.name and
// namespace of each document), as `kubectl delete -f` does: the rest of a
// document may be missing or wrong. Errors for YAML that does not parse and
// for a document without kind or name.
absl::StatusOr<std::vector<ObjectText>> ReadObjectNames(const ConfigFile& file);

struct ParsedFile;

// The good files of the last load through it, as parsed: a load through the
// same cache reparses only the files whose name or text changed, and reuses
// the others' objects (and warnings). Of a file that was refused nothing is
// kept, not even its text: it is parsed again at the next load. What a load returns does not
// depend on the cache: the same snapshot, or the same first error, as a load
// without one. Not thread-safe: one load at a time per cache.
class ParsedFileCache {
 public:
  ParsedFileCache();
  ~ParsedFileCache();
  ParsedFileCache(const ParsedFileCache&) = delete;
  ParsedFileCache& operator=(const ParsedFileCache&) = delete;

  // How many files the last load through the cache parsed (the others were
  // reused).
  size_t last_parsed() const { return last_parsed_; }

 private:
  friend absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigFiles(
      const std::vector<ConfigFile>& files, ParsedFileCache* cache);
  std::map<std::string, std::shared_ptr<const ParsedFile>, std::less<>> files_;  // by name
  size_t last_parsed_ = 0;
};

// Files are parsed independently (on more than one thread when there are
// many), then put together in order: the first error in file and document
// order is the one returned, as when reading them one after the other.
absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigFiles(
    const std::vector<ConfigFile>& files, ParsedFileCache* cache = nullptr);

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigDirectory(
    const std::string& directory, ParsedFileCache* cache = nullptr);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_LOADER_H_
