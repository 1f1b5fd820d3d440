// Parsing a configuration's files, each on its own (parsing is most of a
// load's time, and files parse independently): on several threads for a
// large configuration, and through a cache that keeps the good files of the
// last load, so that a reload reparses only the files that changed.
#ifndef MESHUP_SRC_CONFIG_PARSED_FILES_H_
#define MESHUP_SRC_CONFIG_PARSED_FILES_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config/documents.h"
#include "config/snapshot.h"
#include "config/yaml_tree.h"

namespace meshup::config {

// One file read on its own, with every check that concerns one document.
struct ParsedFile {
  std::string text;     // what was parsed (kept only in a cache, and only when good)
  Snapshot objects;     // its documents in order, up to the first error; no indexes
  absl::Status status;  // the file's first error
  YamlMark mesh_mark;   // where its Mesh document starts
};

// The good files of the last load through it, as parsed: a load through the
// same cache reparses only the files whose name or text changed, and reuses
// the others' objects (and warnings). Of a file that was refused nothing is
// kept, not even its text: it is parsed again at the next load. What a load
// returns does not depend on the cache: the same snapshot, or the same first
// error, as a load without one. Not thread-safe: one load at a time per
// cache.
class ParsedFileCache {
 public:
  ParsedFileCache();
  ~ParsedFileCache();
  ParsedFileCache(const ParsedFileCache&) = delete;
  ParsedFileCache& operator=(const ParsedFileCache&) = delete;

  // How many files the last load through the cache parsed (the others were
  // reused).
  size_t last_parsed() const { return last_parsed_; }

  // The parse of `file` kept from the last load, or null when its name or
  // text changed.
  std::shared_ptr<const ParsedFile> Find(const ConfigFile& file) const;
  // Keeps the good ones of `parsed` (parsed[i] is files[i]'s, none null), by
  // name, in place of what was kept; `reparsed` of them were parsed by this
  // load, the others found in the cache.
  void Keep(const std::vector<ConfigFile>& files,
            const std::vector<std::shared_ptr<const ParsedFile>>& parsed, size_t reparsed);

 private:
  std::map<std::string, std::shared_ptr<const ParsedFile>, std::less<>> files_;  // by name
  size_t last_parsed_ = 0;
};

// Parses files[i] into parsed[i] for each i of `which`, on up to 4 threads
// when the files are large (256 KiB in all), else on this one. `keep_text`:
// a good file's text is kept in its ParsedFile, for a cache.
void ParseFiles(const std::vector<ConfigFile>& files, const std::vector<size_t>& which,
                bool keep_text, std::vector<std::shared_ptr<ParsedFile>>& parsed);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_PARSED_FILES_H_
