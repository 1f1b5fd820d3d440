#include "config/loader.h"

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <system_error>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/cross_checks.h"
#include "config/parse_common.h"
#include "config/parsers.h"
#include "config/yaml_fields.h"
#include "config/yaml_tree.h"
#include "status_macros.h"
#include "util/files.h"

namespace meshup::config {

// One file read on its own, with every check that concerns one document.
struct ParsedFile {
  std::string text;     // what was parsed (kept only in a cache, and only when good)
  Snapshot objects;     // its documents in order, up to the first error; no indexes
  absl::Status status;  // the file's first error
  YamlMark mesh_mark;   // where its Mesh document starts
};

ParsedFileCache::ParsedFileCache() = default;
ParsedFileCache::~ParsedFileCache() = default;

namespace {

constexpr absl::string_view kNetworkingVersions[] = {
    "networking.istio.io/v1alpha3", "networking.istio.io/v1beta1", "networking.istio.io/v1"};
constexpr absl::string_view kMeshVersion = "meshup.dev/v1alpha1";
constexpr absl::string_view kSecurityVersions[] = {"security.istio.io/v1beta1",
                                                   "security.istio.io/v1"};

bool IsNetworkingVersion(absl::string_view version) {
  return std::find(std::begin(kNetworkingVersions), std::end(kNetworkingVersions), version) !=
         std::end(kNetworkingVersions);
}

// What names a document's object: apiVersion, kind, metadata.name and
// namespace (into `origin`, with the file and line; the document's subject is
// set from them). `metadata` is left for the caller to read further.
absl::Status ReadIdentity(const YamlNode& root, Fields& top, Fields& metadata, Document& doc,
                          std::string& api_version, Origin& origin) {
  MESHUP_ASSIGN_OR_RETURN(api_version, ReadString(top.Get("apiVersion"), "apiVersion", doc));
  MESHUP_ASSIGN_OR_RETURN(origin.kind, ReadString(top.Get("kind"), "kind", doc));
  MESHUP_RETURN_IF_ERROR(metadata.status());
  origin.file = doc.file();
  origin.line = doc.Line(root);
  MESHUP_ASSIGN_OR_RETURN(origin.name, ReadString(metadata.Get("name"), "metadata.name", doc));
  origin.namespace_name = "default";
  if (YamlNode ns = metadata.Get("namespace"); ns.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(origin.namespace_name, ReadString(ns, "metadata.namespace", doc));
  }
  doc.set_subject(absl::StrCat(origin.kind, " ", origin.namespace_name, "/", origin.name));
  if (origin.name.empty()) return doc.Error(root, "metadata.name", "a name is required");
  return absl::OkStatus();
}

// Reads one document into `snapshot`. A Mesh document's position goes to
// `mesh_mark`, for the check across files.
absl::Status LoadDocument(const YamlNode& root, const std::string& file, Snapshot& snapshot,
                          YamlMark* mesh_mark) {
  Document doc(file, &snapshot.warnings);
  Fields top(root, "", doc);
  MESHUP_RETURN_IF_ERROR(top.status());
  Fields metadata(top.Get("metadata"), "metadata", doc);
  std::string api_version;
  Origin origin;
  MESHUP_RETURN_IF_ERROR(ReadIdentity(root, top, metadata, doc, api_version, origin));
  const std::string& kind = origin.kind;
  metadata.Get("labels");  // Kubernetes metadata: meaningful to tools, not to routing
  metadata.Get("annotations");
  if (YamlNode created = metadata.Get("creationTimestamp");
      created.IsDefined() && !created.IsNull()) {
    MESHUP_ASSIGN_OR_RETURN(origin.created,
                            ReadTimestamp(created, "metadata.creationTimestamp", doc));
  }
  MESHUP_RETURN_IF_ERROR(
      metadata.CheckAllRead({"uid", "resourceVersion", "generation", "managedFields", "selfLink",
                             "finalizers", "ownerReferences"}));

  const YamlNode spec = top.Get("spec");
  if (!spec.IsDefined()) return doc.Error(root, "spec", "spec is required");
  MESHUP_RETURN_IF_ERROR(top.CheckAllRead({"status"}));

  const bool networking = IsNetworkingVersion(api_version);
  const bool security = std::find(std::begin(kSecurityVersions), std::end(kSecurityVersions),
                                  api_version) != std::end(kSecurityVersions);
  if (kind == "Mesh" && api_version == kMeshVersion) {
    MESHUP_ASSIGN_OR_RETURN(MeshConfig mesh, ParseMeshConfig(spec, origin, doc));
    if (!snapshot.mesh.origin.file.empty()) {
      return doc.Error(root, "",
                       absl::StrCat("a second Mesh document; the first is at ",
                                    snapshot.mesh.origin.ToString()));
    }
    snapshot.mesh = std::move(mesh);
    if (mesh_mark != nullptr) *mesh_mark = root.mark();
  } else if (kind == "VirtualService" && networking) {
    MESHUP_ASSIGN_OR_RETURN(VirtualService vs, ParseVirtualService(spec, origin, doc));
    snapshot.virtual_services.push_back(std::move(vs));
  } else if (kind == "DestinationRule" && networking) {
    MESHUP_ASSIGN_OR_RETURN(DestinationRule rule, ParseDestinationRule(spec, origin, doc));
    snapshot.destination_rules.push_back(std::move(rule));
  } else if (kind == "ServiceEntry" && networking) {
    MESHUP_ASSIGN_OR_RETURN(ServiceEntry entry, ParseServiceEntry(spec, origin, doc));
    snapshot.service_entries.push_back(std::move(entry));
  } else if (kind == "WorkloadEntry" && networking) {
    MESHUP_ASSIGN_OR_RETURN(Workload workload, ParseWorkloadEntry(spec, origin, doc));
    snapshot.workload_entries.push_back(std::move(workload));
  } else if (kind == "PeerAuthentication" && security) {
    MESHUP_ASSIGN_OR_RETURN(PeerAuthentication policy, ParsePeerAuthentication(spec, origin, doc));
    snapshot.peer_authentications.push_back(std::move(policy));
  } else if (kind == "AuthorizationPolicy" && security) {
    MESHUP_ASSIGN_OR_RETURN(AuthorizationPolicy policy,
                            ParseAuthorizationPolicy(spec, origin, doc));
    snapshot.authorization_policies.push_back(std::move(policy));
  } else if (kind == "PeerAuthentication" || kind == "AuthorizationPolicy") {
    return doc.Error(top.Get("apiVersion"), "apiVersion",
                     absl::StrCat("'", api_version, "' is not an apiVersion of ", kind, " (use ",
                                  absl::StrJoin(kSecurityVersions, ", "), ")"));
  } else if (kind == "VirtualService" || kind == "DestinationRule" || kind == "ServiceEntry" ||
             kind == "WorkloadEntry" || kind == "Mesh") {
    return doc.Error(top.Get("apiVersion"), "apiVersion",
                     absl::StrCat("'", api_version, "' is not an apiVersion of ", kind, " (use ",
                                  kind == "Mesh" ? std::string(kMeshVersion)
                                                 : absl::StrJoin(kNetworkingVersions, ", "),
                                  ")"));
  } else {
    return doc.Error(top.Get("kind"), "kind",
                     absl::StrCat("kind '", kind, "' (", api_version,
                                  ") is not supported; MeshUp reads VirtualService, "
                                  "DestinationRule, ServiceEntry, WorkloadEntry, "
                                  "PeerAuthentication, AuthorizationPolicy and Mesh"));
  }
  return absl::OkStatus();
}

absl::Status LoadFile(const ConfigFile& file, Snapshot& snapshot, YamlMark* mesh_mark = nullptr) {
  MESHUP_RETURN_IF_ERROR(ForEachDocument(file, [&](const YamlNode& root, const DocumentText&) {
    return LoadDocument(root, file.name, snapshot, mesh_mark);
  }));
  snapshot.files.push_back(file.name);
  return absl::OkStatus();
}

std::shared_ptr<ParsedFile> ParseFile(const ConfigFile& file, bool keep_text) {
  auto parsed = std::make_shared<ParsedFile>();
  parsed->status = LoadFile(file, parsed->objects, &parsed->mesh_mark);
  // A rejected file's text is not kept: it may be huge, and it is parsed
  // again (failing fast) at each load until it changes.
  if (keep_text && parsed->status.ok()) parsed->text = file.text;
  return parsed;
}

// Large configurations are parsed on up to this many threads (parsing is
// most of a load's time, and files parse independently); below
// kParallelBytes one thread does it.
constexpr unsigned kMaxParseThreads = 4;
constexpr size_t kParallelBytes = 256 << 10;

// Parses files[i] into parsed[i] for each i of `which`.
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

absl::StatusOr<std::vector<ObjectText>> ReadObjects(const ConfigFile& file) {
  MESHUP_RETURN_IF_ERROR(CheckText(file));
  std::vector<ObjectText> objects;
  for (const DocumentText& part : SplitDocuments(file.text)) {
    Snapshot scratch;
    ConfigFile one{file.name, absl::StrCat(std::string(part.first_line, '\n'), part.text)};
    MESHUP_RETURN_IF_ERROR(LoadFile(one, scratch));
    const Origin* origin = nullptr;
    if (!scratch.virtual_services.empty()) origin = &scratch.virtual_services.front().origin;
    if (!scratch.destination_rules.empty()) origin = &scratch.destination_rules.front().origin;
    if (!scratch.service_entries.empty()) origin = &scratch.service_entries.front().origin;
    if (!scratch.workload_entries.empty()) origin = &scratch.workload_entries.front().origin;
    if (!scratch.peer_authentications.empty()) {
      origin = &scratch.peer_authentications.front().origin;
    }
    if (!scratch.authorization_policies.empty()) {
      origin = &scratch.authorization_policies.front().origin;
    }
    if (!scratch.mesh.origin.file.empty()) origin = &scratch.mesh.origin;
    if (origin == nullptr) continue;  // an empty document
    objects.push_back({origin->kind, origin->namespace_name, origin->name, std::string(part.text)});
  }
  return objects;
}

absl::StatusOr<std::vector<ObjectText>> ReadObjectNames(const ConfigFile& file) {
  std::vector<ObjectText> objects;
  MESHUP_RETURN_IF_ERROR(ForEachDocument(file, [&](const YamlNode& root, const DocumentText& part) {
    Document doc(file.name, nullptr);
    Fields top(root, "", doc);
    MESHUP_RETURN_IF_ERROR(top.status());
    Fields metadata(top.Get("metadata"), "metadata", doc);
    std::string api_version;
    Origin origin;
    MESHUP_RETURN_IF_ERROR(ReadIdentity(root, top, metadata, doc, api_version, origin));
    objects.push_back({origin.kind, origin.namespace_name, origin.name, std::string(part.text)});
    return absl::OkStatus();
  }));
  return objects;
}

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigFiles(
    const std::vector<ConfigFile>& files, ParsedFileCache* cache) {
  // What the cache has for the same name and text is reused; the rest is parsed.
  std::vector<std::shared_ptr<const ParsedFile>> cached(files.size());
  std::vector<size_t> to_parse;
  for (size_t i = 0; i < files.size(); ++i) {
    if (cache != nullptr) {
      auto it = cache->files_.find(files[i].name);
      if (it != cache->files_.end() && it->second->status.ok() &&
          it->second->text == files[i].text) {
        cached[i] = it->second;
        continue;
      }
    }
    to_parse.push_back(i);
  }
  std::vector<std::shared_ptr<ParsedFile>> parsed(files.size());
  ParseFiles(files, to_parse, /*keep_text=*/cache != nullptr, parsed);

  std::vector<const ParsedFile*> all(files.size());
  for (size_t i = 0; i < files.size(); ++i) all[i] = cached[i] ? cached[i].get() : parsed[i].get();
  if (cache != nullptr) {
    // The good files of this load only: a file's parse depends on its name
    // and text alone. Of a rejected file nothing is kept (its error is in
    // what this load returns).
    std::map<std::string, std::shared_ptr<const ParsedFile>, std::less<>> next;
    for (size_t i = 0; i < files.size(); ++i) {
      if (all[i]->status.ok()) next[files[i].name] = cached[i] ? cached[i] : parsed[i];
    }
    cache->files_ = std::move(next);
    cache->last_parsed_ = to_parse.size();
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
