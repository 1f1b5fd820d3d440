#include "config/loader.h"

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <optional>
#include <system_error>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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

// YAML allows no C0 control characters but tab, line feed and carriage
// return, and configuration files are small. Both are refused before
// parsing, with the position of the first such character.

bool IsControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// A byte that may start what CheckText refuses: a control character, or a
// line break other than \n and \r\n (a lone \r, NEL, LS, PS), which YAML
// counts as a line of its own but line numbers here do not.
bool MaySuspect(char c) {
  const auto u = static_cast<unsigned char>(c);
  return IsControl(c) || c == '\r' || u == 0xC2 || u == 0xE2;
}

// What is wrong at text[i], if anything.
std::optional<std::string> RefusedAt(absl::string_view text, size_t i) {
  const char c = text[i];
  const auto next = [&](size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  if (IsControl(c)) {
    return absl::StrCat("control character 0x",
                        absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2),
                        " (a configuration file is text)");
  }
  if (c == '\r' && next(1) != '\n') return "a carriage return alone (lines end with \\n or \\r\\n)";
  if (static_cast<unsigned char>(c) == 0xC2 && next(1) == 0x85) {
    return "line break U+0085 (lines end with \\n or \\r\\n)";
  }
  if (static_cast<unsigned char>(c) == 0xE2 && next(1) == 0x80 &&
      (next(2) == 0xA8 || next(2) == 0xA9)) {
    return absl::StrCat("line break U+202", next(2) == 0xA8 ? "8" : "9",
                        " (lines end with \\n or \\r\\n)");
  }
  return std::nullopt;
}

absl::Status CheckText(const ConfigFile& file) {
  if (file.text.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(file.name, ": ", file.text.size(),
                                                   " bytes; a configuration file may have at "
                                                   "most ",
                                                   kMaxFileBytes));
  }
  bool any = false;  // the common case first: one pass without branches to leave it
  for (char c : file.text) any |= MaySuspect(c);
  if (!any) return absl::OkStatus();
  int line = 1, column = 1;
  const absl::string_view text = file.text;
  for (size_t i = 0; i < text.size(); ++i) {
    if (MaySuspect(text[i])) {
      if (std::optional<std::string> refused = RefusedAt(text, i)) {
        return absl::InvalidArgumentError(
            absl::StrCat(file.name, ":", line, ":", column, ": invalid YAML: ", *refused));
      }
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::OkStatus();
}

// Whether `text` has nothing but directives (%YAML, %TAG), comments and
// blank lines: what can come before a file's first `---`.
bool OnlyDirectives(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const absl::string_view content = absl::StripLeadingAsciiWhitespace(line);
    if (!content.empty() && content[0] != '#' && line[0] != '%') return false;
  }
  return true;
}

// Calls `read` with each document of `file` that is not empty, and its text.
absl::Status ForEachDocument(
    const ConfigFile& file,
    absl::FunctionRef<absl::Status(const YamlNode& root, const DocumentText& part)> read) {
  MESHUP_RETURN_IF_ERROR(CheckText(file));
  for (const DocumentText& part : SplitDocuments(file.text)) {
    absl::StatusOr<YamlStream> stream = ParseYaml(part.text, file.name, part.first_line);
    if (!stream.ok()) {
      if (OnlyDirectives(part.text)) continue;  // no document: its `---` starts the next part
      return stream.status();
    }
    if (stream->size() > 1) {
      // A document marker SplitDocuments did not see as one.
      const YamlMark at = stream->document_start(1);
      return absl::InvalidArgumentError(
          absl::StrCat(file.name, ":", at.line + 1, ":", at.column + 1,
                       ": invalid YAML: a second document; separate documents with a line "
                       "that is just \"---\""));
    }
    if (stream->size() == 0 || stream->document(0).IsNull()) continue;  // an empty section
    MESHUP_RETURN_IF_ERROR(read(stream->document(0), part));
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

std::string SubsetNames(const DestinationRule& rule) {
  std::vector<std::string> names;
  for (const Subset& subset : rule.subsets) names.push_back(subset.name);
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// "DestinationRule default/r (r.yaml) defines: ", or with a merged rule
// "DestinationRules default/a (a.yaml), default/b (b.yaml) define: ".
std::string RuleNames(const DestinationRule& rule) {
  auto name = [](const Origin& origin) {
    return absl::StrCat(origin.namespace_name, "/", origin.name, " (", origin.file, ")");
  };
  if (rule.merged_from.empty()) {
    return absl::StrCat("DestinationRule ", name(rule.origin), " defines: ");
  }
  std::vector<std::string> names;
  for (const Origin& origin : rule.merged_from) names.push_back(name(origin));
  return absl::StrCat("DestinationRules ", absl::StrJoin(names, ", "), " define: ");
}

// A route's destination names a subset its host's DestinationRule does not
// define: Istio accepts this, and calls routed there fail (no such
// cluster). MeshUp does the same (UNAVAILABLE, "no healthy upstream"), and
// warns, naming the subsets that exist.
std::optional<std::string> UndefinedSubset(const Snapshot& snapshot, const VirtualService& vs,
                                           const HttpRoute& route, const Destination& destination) {
  if (destination.subset.empty()) return std::nullopt;
  const DestinationRule* rule = snapshot.DestinationRuleFor(destination.host);
  if (rule != nullptr && rule->FindSubset(destination.subset) != nullptr) {
    return std::nullopt;  // the common case formats nothing
  }
  const std::string where = absl::StrCat(vs.origin.file, ":", route.line, ": VirtualService ",
                                         vs.origin.namespace_name, "/", vs.origin.name, ": ");
  constexpr absl::string_view kFails = "; calls routed there fail with UNAVAILABLE, as in Istio";
  if (rule == nullptr) {
    return absl::StrCat(where, "subset '", destination.subset, "' of host '", destination.host,
                        "': no DestinationRule defines subsets for host '", destination.host, "'",
                        kFails);
  }
  return absl::StrCat(where, "unknown subset '", destination.subset, "' of host '",
                      destination.host, "'; ", RuleNames(*rule), SubsetNames(*rule), kFails);
}

absl::Status Validate(Snapshot& snapshot) {
  // The same kind, namespace and name twice.
  absl::flat_hash_map<std::tuple<absl::string_view, absl::string_view, absl::string_view>,
                      const Origin*>
      seen;
  auto check = [&seen](const Origin& origin) -> absl::Status {
    auto [it, inserted] = seen.emplace(
        std::make_tuple(absl::string_view(origin.kind), absl::string_view(origin.namespace_name),
                        absl::string_view(origin.name)),
        &origin);
    if (inserted) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(origin.file, ":", origin.line, ": ", origin.kind,
                                                   " ", origin.namespace_name, "/", origin.name,
                                                   " is defined twice; the other is at ",
                                                   it->second->file, ":", it->second->line));
  };
  for (const VirtualService& vs : snapshot.virtual_services)
    MESHUP_RETURN_IF_ERROR(check(vs.origin));
  for (const DestinationRule& dr : snapshot.destination_rules)
    MESHUP_RETURN_IF_ERROR(check(dr.origin));
  for (const ServiceEntry& se : snapshot.service_entries) MESHUP_RETURN_IF_ERROR(check(se.origin));
  for (const Workload& we : snapshot.workload_entries) MESHUP_RETURN_IF_ERROR(check(we.origin));
  for (const auto& pa : snapshot.peer_authentications) MESHUP_RETURN_IF_ERROR(check(pa.origin));
  for (const auto& ap : snapshot.authorization_policies) MESHUP_RETURN_IF_ERROR(check(ap.origin));

  // A host's DestinationRules merge, and its oldest VirtualService routes it
  // (merge.h), as in Istio.
  snapshot.BuildIndexes();
  for (const VirtualService& vs : snapshot.virtual_services) {
    if (!vs.routes_mesh) continue;
    for (const std::string& host : vs.hosts) {
      const VirtualService* routing = snapshot.VirtualServiceFor(host);
      if (routing == &vs) continue;
      snapshot.warnings.push_back(absl::StrCat(
          vs.origin.file, ":", vs.origin.line, ": VirtualService ", vs.origin.namespace_name, "/",
          vs.origin.name, ": host '", host, "' is already routed by VirtualService ",
          routing->origin.namespace_name, "/", routing->origin.name, " (", routing->origin.file,
          ":", routing->origin.line,
          "); this one is ignored for it, as Istio ignores all but the oldest"));
    }
  }
  for (const VirtualService& vs : snapshot.virtual_services) {
    for (const HttpRoute& route : vs.http) {
      for (const WeightedDestination& weighted : route.route) {
        if (auto warning = UndefinedSubset(snapshot, vs, route, weighted.destination)) {
          snapshot.undefined_subsets.push_back(*warning);
          snapshot.warnings.push_back(*std::move(warning));
        }
      }
      if (route.mirror) {
        if (auto warning = UndefinedSubset(snapshot, vs, route, *route.mirror)) {
          snapshot.undefined_subsets.push_back(*warning);
          snapshot.warnings.push_back(*std::move(warning));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<DocumentText> SplitDocuments(absl::string_view text) {
  std::vector<DocumentText> documents;
  DocumentText part{0, text};
  int line = 0;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view content = text.substr(start, end - start);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content == "---" || absl::StartsWith(content, "--- ") ||
        absl::StartsWith(content, "---\t") || content == "...") {
      const size_t part_start = part.text.data() - text.data();
      part.text = text.substr(part_start, start - part_start);
      documents.push_back(part);
      // "--- {inline}": the document starts with its marker's line.
      const bool starts_here = content != "..." && content.size() > 4;
      part.first_line = starts_here ? line : line + 1;
      part.text = text.substr(starts_here ? start : std::min(end + 1, text.size()));
    }
    start = end + 1;
  }
  documents.push_back(part);
  return documents;
}

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
  MESHUP_RETURN_IF_ERROR(Validate(*snapshot));
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
