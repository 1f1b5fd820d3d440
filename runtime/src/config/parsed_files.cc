#include "config/parsed_files.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

#include "config/object_reader.h"

namespace meshup::config {

ParsedFileCache::ParsedFileCache() = default;
ParsedFileCache::~ParsedFileCache() = default;

std::shared_ptr<const ParsedFile> ParsedFileCache::Find(const ConfigFile& file) const {
  auto it = files_.find(file.name);
  // Only good files are kept.
  if (it == files_.end() || it->second->text != file.text) return nullptr;
  return it->second;
}

void ParsedFileCache::Keep(const std::vector<ConfigFile>& files,
                           const std::vector<std::shared_ptr<const ParsedFile>>& parsed,
                           size_t reparsed) {
  // The good files of this load only: a file's parse depends on its name and
  // text alone. Of a rejected file nothing is kept (its error is in what
  // this load returns).
  std::map<std::string, std::shared_ptr<const ParsedFile>, std::less<>> next;
  for (size_t i = 0; i < files.size(); ++i) {
    if (parsed[i]->status.ok()) next[files[i].name] = parsed[i];
  }
  files_ = std::move(next);
  last_parsed_ = reparsed;
}

namespace {

std::shared_ptr<ParsedFile> ParseFile(const ConfigFile& file, bool keep_text) {
  auto parsed = std::make_shared<ParsedFile>();
  parsed->status = LoadFile(file, parsed->objects, &parsed->mesh_mark);
  // A rejected file's text is not kept: it may be huge, and it is parsed
  // again (failing fast) at each load until it changes.
  if (keep_text && parsed->status.ok()) parsed->text = file.text;
  return parsed;
}

// Large configurations are parsed on up to this many threads; below
// kParallelBytes one thread does it.
constexpr unsigned kMaxParseThreads = 4;
constexpr size_t kParallelBytes = 256 << 10;

}  // namespace

void ParseFiles(const std::vector<ConfigFile>& files, const std::vector<size_t>& which,
                bool keep_text, std::vector<std::shared_ptr<ParsedFile>>& parsed) {
  size_t bytes = 0;
  for (size_t i : which) bytes += files[i].text.size();
  size_t threads = std::min<size_t>(
      {std::max(1u, std::thread::hardware_concurrency()), kMaxParseThreads, which.size()});
  if (bytes < kParallelBytes) threads = 1;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k = next.fetch_add(1); k < which.size(); k = next.fetch_add(1)) {
      parsed[which[k]] = ParseFile(files[which[k]], keep_text);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no thread to spare: this one does the rest
    }
  }
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace meshup::config
