#include "config/loader.h"

#include <dirent.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/cross_checks.h"
#include "config/parse_common.h"
#include "config/yaml_fields.h"
#include "status_macros.h"
#include "util/files.h"

namespace meshup::config {
namespace {

template <typename T>
void Append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}
template <typename T>
void Append(std::vector<T>& to, std::vector<T>&& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Adds a parsed file to `snapshot` as reading it there would have: its Mesh
// document, when `snapshot` already has one, is an error before the file's
// own (which comes after that document). `Parsed` is ParsedFile& (moved
// from) or const ParsedFile& (copied, for a cache).
template <typename Parsed>
absl::Status AddFile(Parsed&& parsed, Snapshot& snapshot) {
  const Origin& mesh = parsed.objects.mesh.origin;
  if (!mesh.file.empty()) {
    if (!snapshot.mesh.origin.file.empty()) {
      Document doc(mesh.file, nullptr);
      doc.set_subject(absl::StrCat(mesh.kind, " ", mesh.namespace_name, "/", mesh.name));
      return doc.Error(parsed.mesh_mark, "",
                       absl::StrCat("a second Mesh document; the first is at ",
                                    snapshot.mesh.origin.ToString()));
    }
    snapshot.mesh = std::forward<Parsed>(parsed).objects.mesh;
  }
  if (!parsed.status.ok()) return parsed.status;
  Append(snapshot.virtual_services, std::forward<Parsed>(parsed).objects.virtual_services);
  Append(snapshot.destination_rules, std::forward<Parsed>(parsed).objects.destination_rules);
  Append(snapshot.service_entries, std::forward<Parsed>(parsed).objects.service_entries);
  Append(snapshot.workload_entries, std::forward<Parsed>(parsed).objects.workload_entries);
  Append(snapshot.peer_authentications, std::forward<Parsed>(parsed).objects.peer_authentications);
  Append(snapshot.authorization_policies,
         std::forward<Parsed>(parsed).objects.authorization_policies);
  Append(snapshot.warnings, std::forward<Parsed>(parsed).objects.warnings);
  Append(snapshot.files, std::forward<Parsed>(parsed).objects.files);
  return absl::OkStatus();
}

void Reserve(const std::vector<const ParsedFile*>& files, Snapshot& snapshot) {
  size_t vs = 0, dr = 0, se = 0, we = 0;
  for (const ParsedFile* file : files) {
    vs += file->objects.virtual_services.size();
    dr += file->objects.destination_rules.size();
    se += file->objects.service_entries.size();
    we += file->objects.workload_entries.size();
  }
  snapshot.virtual_services.reserve(vs);
  snapshot.destination_rules.reserve(dr);
  snapshot.service_entries.reserve(se);
  snapshot.workload_entries.reserve(we);
  snapshot.files.reserve(files.size());
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigFiles(
    const std::vector<ConfigFile>& files, ParsedFileCache* cache) {
  // What the cache has for the same name and text is reused; the rest is parsed.
  std::vector<std::shared_ptr<const ParsedFile>> cached(files.size());
  std::vector<size_t> to_parse;
  for (size_t i = 0; i < files.size(); ++i) {
    if (cache != nullptr) cached[i] = cache->Find(files[i]);
    if (cached[i] == nullptr) to_parse.push_back(i);
  }
  std::vector<std::shared_ptr<ParsedFile>> parsed(files.size());
  ParseFiles(files, to_parse, /*keep_text=*/cache != nullptr, parsed);

  std::vector<const ParsedFile*> all(files.size());
  for (size_t i = 0; i < files.size(); ++i) all[i] = cached[i] ? cached[i].get() : parsed[i].get();
  if (cache != nullptr) {
    std::vector<std::shared_ptr<const ParsedFile>> kept(files.size());
    for (size_t i = 0; i < files.size(); ++i) kept[i] = cached[i] ? cached[i] : parsed[i];
    cache->Keep(files, kept, to_parse.size());
  }

  auto snapshot = std::make_shared<Snapshot>();
  Reserve(all, *snapshot);
  for (size_t i = 0; i < files.size(); ++i) {
    if (cache == nullptr) {
      MESHUP_RETURN_IF_ERROR(AddFile(std::move(*parsed[i]), *snapshot));
    } else {
      MESHUP_RETURN_IF_ERROR(AddFile(*all[i], *snapshot));
    }
  }
  MESHUP_RETURN_IF_ERROR(CheckAcrossObjects(*snapshot));
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigDirectory(const std::string& directory,
                                                                    ParsedFileCache* cache) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read config directory ", directory));
  }
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;  // hidden and editors' temporary files
    if (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml")) names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  std::vector<ConfigFile> files;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(directory, "/", name);
    // Only regular files, and an oversized one is refused from its size:
    // a FIFO must not hang the loop thread that reloads, nor a huge file
    // be held in memory to be refused.
    absl::StatusOr<std::string> text = internal::ReadRegularFile(path, kMaxFileBytes);
    if (!text.ok()) return text.status();
    files.push_back({path, *std::move(text)});
  }
  return LoadConfigFiles(files, cache);
}

}  // namespace meshup::config
