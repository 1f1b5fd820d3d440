#include "config_store.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/object_reader.h"
#include "config/yaml_tree.h"
#include "util/files.h"

namespace meshup::cli {
namespace {

// The configuration the store accepts: one that loads and routes to no
// undefined subset. The workloads load such a route, as Istio does (its
// calls fail with UNAVAILABLE); a change that makes one is refused here, as
// `istioctl analyze` reports it, and no step of a change passes through one.
absl::StatusOr<std::shared_ptr<const config::Snapshot>> LoadAcceptable(
    const std::vector<config::ConfigFile>& files, config::ParsedFileCache* cache = nullptr) {
  absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot =
      config::LoadConfigFiles(files, cache);
  if (snapshot.ok() && !(*snapshot)->undefined_subsets.empty()) {
    return absl::InvalidArgumentError((*snapshot)->undefined_subsets.front());
  }
  return snapshot;
}

// A document's content, whatever its comments, layout, quoting or key
// order: what decides `unchanged` (a scalar's text is what the loader reads;
// a mapping's keys are unique, so sorting them loses nothing).
std::string Canonical(const config::YamlNode& node) {
  if (node.IsScalar()) return absl::StrCat("s", node.text().size(), ":", node.text());
  if (node.IsSequence()) {
    std::string out = "[";
    for (size_t i = 0; i < node.size(); ++i) absl::StrAppend(&out, Canonical(node[i]), ",");
    return out + "]";
  }
  if (node.IsMap()) {
    std::vector<std::string> entries;
    for (size_t i = 0; i < node.size(); ++i) {
      entries.push_back(absl::StrCat(Canonical(node.key(i)), "=", Canonical(node.value(i))));
    }
    std::sort(entries.begin(), entries.end());
    return absl::StrCat("{", absl::StrJoin(entries, ","), "}");
  }
  return "~";
}

bool SameContent(const std::string& a, const std::string& b) {
  if (a == b) return true;
  absl::StatusOr<config::YamlStream> x = config::ParseYaml(a, "a");
  absl::StatusOr<config::YamlStream> y = config::ParseYaml(b, "b");
  if (!x.ok() || !y.ok() || x->size() != 1 || y->size() != 1) return false;
  return Canonical(x->document(0)) == Canonical(y->document(0));
}

namespace fs = std::filesystem;

constexpr absl::string_view kSourceHeader = "# meshup-source: ";

struct KindInfo {
  const char* kind;
  const char* group;
  std::vector<const char*> aliases;  // lowercase, besides the kind and its plural
};

const std::vector<KindInfo>& Kinds() {
  static const auto* kinds = new std::vector<KindInfo>{
      {"VirtualService", "networking.istio.io", {"vs"}},
      {"DestinationRule", "networking.istio.io", {"dr"}},
      {"ServiceEntry", "networking.istio.io", {"se", "serviceentries"}},
      {"WorkloadEntry", "networking.istio.io", {"we", "workloadentries"}},
      {"PeerAuthentication", "security.istio.io", {"pa"}},
      {"AuthorizationPolicy", "security.istio.io", {"ap", "authorizationpolicies"}},
      {"Mesh", "meshup.dev", {"meshes"}},
  };
  return *kinds;
}

using Key = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name
Key KeyOf(const StoredObject& object) { return {object.kind, object.namespace_name, object.name}; }

bool IsYaml(const fs::path& path) {
  return path.extension() == ".yaml" || path.extension() == ".yml";
}

std::string WithNewline(std::string text) {
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

// Kubernetes' names: a DNS label for a namespace, a DNS subdomain for a name.
bool IsDnsName(absl::string_view name, bool dots) {
  if (name.empty() || name.size() > (dots ? 253u : 63u)) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-' && !(dots && c == '.')) {
      return false;
    }
  }
  return absl::ascii_isalnum(name.front()) && absl::ascii_isalnum(name.back());
}

// The file an object gets: injective, since neither a kind nor a namespace
// has a dot.
std::string CanonicalFile(const StoredObject& object) {
  return absl::StrCat(absl::AsciiStrToLower(object.kind), ".", object.namespace_name, ".",
                      object.name, ".yaml");
}

std::string FileText(const std::string& source, const std::vector<std::string>& texts) {
  std::string out = source.empty() ? "" : absl::StrCat(kSourceHeader, source, "\n");
  for (size_t i = 0; i < texts.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : "---\n", WithNewline(texts[i]));
  }
  return out;
}

// The store's files and objects, as read.
struct Contents {
  Files files;
  std::vector<StoredObject> objects;
  std::map<Key, size_t> index;                         // into objects
  std::map<std::string, std::vector<size_t>> by_file;  // file name -> objects
  std::map<std::string, std::string> sources;          // file name -> recorded source
};

absl::StatusOr<Contents> ReadContents(const std::string& directory) {
  Contents contents;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return absl::NotFoundError(absl::StrCat(directory, ": no such configuration directory"));
  }
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (!IsYaml(entry.path()) || !entry.is_regular_file()) continue;
    absl::StatusOr<std::string> text =
        internal::ReadRegularFile(entry.path().string(), config::kMaxFileBytes);
    if (!text.ok()) return text.status();
    contents.files[entry.path().filename().string()] = *std::move(text);
  }
  if (error) return absl::UnavailableError(absl::StrCat(directory, ": ", error.message()));
  for (const auto& [name, text] : contents.files) {
    const std::string path = (fs::path(directory) / name).string();
    std::string source = path;
    if (absl::StartsWith(text, kSourceHeader)) {
      const size_t end = text.find('\n');
      source = text.substr(kSourceHeader.size(), end - kSourceHeader.size());
      contents.sources[name] = source;
    }
    absl::StatusOr<std::vector<config::ObjectText>> read = config::ReadObjects({path, text});
    if (!read.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the live configuration does not read: ", read.status().message()));
    }
    for (config::ObjectText& object : *read) {
      std::string object_text = std::move(object.text);
      if (absl::StartsWith(object_text, kSourceHeader)) {
        object_text.erase(0, std::min(object_text.size(), object_text.find('\n') + 1));
      }
      StoredObject stored{object.kind, object.namespace_name, object.name, source,
                          path,        std::move(object_text)};
      if (!contents.index.emplace(KeyOf(stored), contents.objects.size()).second) {
        return absl::FailedPreconditionError(
            absl::StrCat("the live configuration defines ", object.kind, " ", object.namespace_name,
                         "/", object.name, " twice (", path, ", ",
                         contents.objects[contents.index[KeyOf(stored)]].file, ")"));
      }
      contents.by_file[name].push_back(contents.objects.size());
      contents.objects.push_back(std::move(stored));
    }
  }
  return contents;
}

// The objects of the files a user named, each with the source to record.
absl::StatusOr<std::vector<StoredObject>> ReadIncoming(const std::vector<config::ConfigFile>& files,
                                                       const std::string& source,
                                                       bool names_only = false) {
  std::vector<StoredObject> incoming;
  for (const config::ConfigFile& file : files) {
    absl::StatusOr<std::vector<config::ObjectText>> read =
        names_only ? config::ReadObjectNames(file) : config::ReadObjects(file);
    if (!read.ok()) return read.status();
    std::string file_source = source;
    if (file_source.empty() && absl::StartsWith(file.name, "<")) file_source = file.name;
    if (file_source.empty()) {
      std::error_code error;
      const fs::path absolute = fs::absolute(file.name, error);
      file_source = error ? file.name : absolute.lexically_normal().string();
    }
    for (config::ObjectText& object : *read) {
      const std::string what =
          absl::StrCat(file.name, ": ", object.kind, " ", object.namespace_name, "/", object.name);
      if (!IsDnsName(object.namespace_name, false)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": metadata.namespace '", object.namespace_name,
                         "' is not a valid namespace (lowercase letters, digits and '-')"));
      }
      if (!IsDnsName(object.name, true)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": metadata.name '", object.name,
                         "' is not a valid name (lowercase letters, digits, '-' and '.')"));
      }
      incoming.push_back({object.kind, object.namespace_name, object.name, file_source, "",
                          WithNewline(std::move(object.text))});
    }
  }
  if (incoming.empty()) {
    std::vector<std::string> names;
    for (const config::ConfigFile& file : files) names.push_back(file.name);
    return absl::InvalidArgumentError(absl::StrCat(absl::StrJoin(names, ", "), ": no objects"));
  }
  return incoming;
}

// `files` with the objects of `removed` (by file name) taken out of their
// files: a file left empty goes, a file left with others is rewritten.
void RemoveObjects(const Contents& contents, const std::set<Key>& removed, Files& files) {
  for (const auto& [name, indexes] : contents.by_file) {
    std::vector<std::string> kept;
    bool touched = false;
    for (size_t index : indexes) {
      const StoredObject& object = contents.objects[index];
      if (removed.count(KeyOf(object))) {
        touched = true;
      } else {
        kept.push_back(object.text);
      }
    }
    if (!touched) continue;
    if (kept.empty()) {
      files.erase(name);
    } else {
      auto source = contents.sources.find(name);
      files[name] = FileText(source == contents.sources.end() ? "" : source->second, kept);
    }
  }
}

std::vector<config::ConfigFile> AsConfigFiles(const std::string& directory, const Files& files) {
  std::vector<config::ConfigFile> out;
  for (const auto& [name, text] : files)
    out.push_back({(fs::path(directory) / name).string(), text});
  return out;
}

// Writes the difference between `before` and `after` in ChangeOrder().
absl::Status WriteDifference(const std::string& directory, const Files& before,
                             const Files& after) {
  const std::vector<std::string> order = ChangeOrder(before, after);
  for (size_t done = 0; done < order.size(); ++done) {
    const fs::path path = fs::path(directory) / order[done];
    auto it = after.find(order[done]);
    absl::Status status;
    if (it == after.end()) {
      std::error_code error;
      fs::remove(path, error);
      if (error) {
        status = absl::UnavailableError(absl::StrCat(path.string(), ": ", error.message()));
      }
    } else {
      status = internal::WriteFileAtomically(path.string(), it->second, 0644);
    }
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat(status.message(), " (after ", done, " of ", order.size(), " file changes)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> ChangeOrder(Files before, const Files& after) {
  std::vector<std::string> pending;  // file names to write or remove
  for (const auto& [name, text] : after) {
    auto it = before.find(name);
    if (it == before.end() || it->second != text) pending.push_back(name);
  }
  for (const auto& [name, text] : before) {
    if (!after.count(name)) pending.push_back(name);
  }
  std::vector<std::string> order;
  config::ParsedFileCache cache;
  while (!pending.empty()) {
    size_t pick = 0;
    for (size_t i = 0; i < pending.size() && pending.size() > 1; ++i) {
      Files trial = before;
      auto it = after.find(pending[i]);
      if (it == after.end()) {
        trial.erase(pending[i]);
      } else {
        trial[pending[i]] = it->second;
      }
      if (LoadAcceptable(AsConfigFiles("", trial), &cache).ok()) {
        pick = i;
        break;
      }
    }
    auto it = after.find(pending[pick]);
    if (it == after.end()) {
      before.erase(pending[pick]);
    } else {
      before[pending[pick]] = it->second;
    }
    order.push_back(pending[pick]);
    pending.erase(pending.begin() + pick);
  }
  return order;
}

std::string ResourceName(const std::string& kind, const std::string& name) {
  for (const KindInfo& info : Kinds()) {
    if (kind == info.kind)
      return absl::StrCat(absl::AsciiStrToLower(kind), ".", info.group, "/", name);
  }
  return absl::StrCat(absl::AsciiStrToLower(kind), "/", name);
}

std::string KindOf(const std::string& word) {
  const std::string lower = absl::AsciiStrToLower(word);
  for (const KindInfo& info : Kinds()) {
    const std::string kind = absl::AsciiStrToLower(info.kind);
    std::vector<std::string> names = {kind, kind + "s", absl::StrCat(kind, ".", info.group),
                                      absl::StrCat(kind, "s.", info.group)};
    for (const char* alias : info.aliases) names.push_back(alias);
    if (std::find(names.begin(), names.end(), lower) != names.end()) return info.kind;
  }
  return "";
}

std::string Change::ToString() const {
  const char* what = "";
  switch (outcome) {
    case Outcome::kCreated:
      what = "created";
      break;
    case Outcome::kConfigured:
      what = "configured";
      break;
    case Outcome::kUnchanged:
      what = "unchanged";
      break;
    case Outcome::kDeleted:
      what = "deleted";
      break;
    case Outcome::kNotFound:
      what = "not found (ignored)";
      break;
  }
  std::string out = absl::StrCat(ResourceName(object.kind, object.name), " ", what);
  if (object.namespace_name != "default")
    absl::StrAppend(&out, " (namespace ", object.namespace_name, ")");
  return out;
}

absl::StatusOr<std::vector<StoredObject>> ConfigStore::List() const {
  absl::StatusOr<Contents> contents = ReadContents(directory_);
  if (!contents.ok()) return contents.status();
  std::vector<StoredObject> objects = std::move(contents->objects);
  std::sort(objects.begin(), objects.end(),
            [](const StoredObject& a, const StoredObject& b) { return KeyOf(a) < KeyOf(b); });
  return objects;
}

absl::StatusOr<ChangeResult> ConfigStore::Apply(const std::vector<config::ConfigFile>& files,
                                                const std::string& source) {
  absl::StatusOr<Contents> contents = ReadContents(directory_);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<std::vector<StoredObject>> incoming = ReadIncoming(files, source);
  if (!incoming.ok()) return incoming.status();

  ChangeResult result;
  std::set<Key> replaced;
  for (StoredObject& object : *incoming) {
    object.file = (fs::path(directory_) / CanonicalFile(object)).string();
    Change change{object, Change::Outcome::kCreated};
    auto existing = contents->index.find(KeyOf(object));
    if (existing != contents->index.end()) {
      replaced.insert(KeyOf(object));
      const bool same = SameContent(contents->objects[existing->second].text, object.text);
      change.outcome = same ? Change::Outcome::kUnchanged : Change::Outcome::kConfigured;
    }
    result.changes.push_back(std::move(change));
  }
  Files after = contents->files;
  RemoveObjects(*contents, replaced, after);
  // What must load: the store without what is replaced, plus the files as
  // the user wrote them (errors cite their lines; an object twice in them is
  // an error).
  std::vector<config::ConfigFile> whole = AsConfigFiles(directory_, after);
  whole.insert(whole.end(), files.begin(), files.end());
  absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot = LoadAcceptable(whole);
  if (!snapshot.ok())
    return absl::InvalidArgumentError(absl::StrCat("not applied: ", snapshot.status().message()));
  result.snapshot = *std::move(snapshot);
  // An unchanged object keeps its file and source: nothing is written for
  // it, so no workload reloads, as kubectl leaves an unchanged object alone.
  std::set<Key> changed;
  for (size_t i = 0; i < incoming->size(); ++i) {
    if (result.changes[i].outcome != Change::Outcome::kUnchanged)
      changed.insert(KeyOf((*incoming)[i]));
  }
  after = contents->files;
  RemoveObjects(*contents, changed, after);
  for (size_t i = 0; i < incoming->size(); ++i) {
    const StoredObject& object = (*incoming)[i];
    if (result.changes[i].outcome == Change::Outcome::kUnchanged) continue;
    after[CanonicalFile(object)] = FileText(object.source, {object.text});
  }
  absl::Status written = WriteDifference(directory_, contents->files, after);
  if (!written.ok()) return written;
  return result;
}

absl::StatusOr<ChangeResult> ConfigStore::Delete(const std::vector<config::ConfigFile>& files,
                                                 bool ignore_not_found) {
  absl::StatusOr<Contents> contents = ReadContents(directory_);
  if (!contents.ok()) return contents.status();
  // As kubectl: a file names what to delete; the rest of it does not matter.
  absl::StatusOr<std::vector<StoredObject>> incoming = ReadIncoming(files, "", /*names_only=*/true);
  if (!incoming.ok()) return incoming.status();

  ChangeResult result;
  std::set<Key> removed;
  std::vector<std::string> missing;
  for (const StoredObject& object : *incoming) {
    auto existing = contents->index.find(KeyOf(object));
    if (existing == contents->index.end()) {
      Change change{object, Change::Outcome::kNotFound};
      if (!ignore_not_found) {
        std::string name = change.ToString();
        missing.push_back(name.substr(0, name.find(" not found")));
      }
      result.changes.push_back(std::move(change));
      continue;
    }
    removed.insert(KeyOf(object));
    result.changes.push_back({contents->objects[existing->second], Change::Outcome::kDeleted});
  }
  if (!missing.empty()) {
    return absl::NotFoundError(absl::StrCat("not deleted: ", absl::StrJoin(missing, ", "),
                                            missing.size() == 1 ? " is" : " are",
                                            " not in the live configuration (", directory_,
                                            "); --ignore-not-found deletes the others"));
  }
  Files after = contents->files;
  RemoveObjects(*contents, removed, after);
  absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot =
      LoadAcceptable(AsConfigFiles(directory_, after));
  if (!snapshot.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not deleted: the rest would not load: ", snapshot.status().message()));
  }
  result.snapshot = *std::move(snapshot);
  absl::Status written = WriteDifference(directory_, contents->files, after);
  if (!written.ok()) return written;
  return result;
}

absl::StatusOr<ChangeResult> ConfigStore::Reset(const std::vector<config::ConfigFile>& files,
                                                const std::string& source) {
  std::error_code error;
  fs::remove_all(directory_, error);
  fs::create_directories(directory_, error);
  if (error) return absl::UnavailableError(absl::StrCat(directory_, ": ", error.message()));
  return Apply(files, source);
}

absl::StatusOr<std::vector<config::ConfigFile>> ReadConfigPaths(
    const std::vector<std::string>& paths) {
  std::vector<config::ConfigFile> files;
  for (const std::string& path : paths) {
    if (path == "-") {
      files.push_back({"<stdin>", std::string(std::istreambuf_iterator<char>(std::cin), {})});
      continue;
    }
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> names;
      for (const auto& entry : fs::directory_iterator(path, error)) {
        if (IsYaml(entry.path()) && entry.is_regular_file()) names.push_back(entry.path().string());
      }
      if (error) return absl::UnavailableError(absl::StrCat(path, ": ", error.message()));
      if (names.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": no .yaml or .yml files"));
      }
      std::sort(names.begin(), names.end());
      for (const std::string& name : names) {
        absl::StatusOr<std::string> text = internal::ReadFile(name);
        if (!text.ok()) return text.status();
        files.push_back({name, *std::move(text)});
      }
      continue;
    }
    absl::StatusOr<std::string> text = internal::ReadFile(path);
    if (!text.ok()) return text.status();
    files.push_back({path, *std::move(text)});
  }
  return files;
}

}  // namespace meshup::cli
