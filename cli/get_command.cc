#include "get_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "apply_command.h"

namespace meshup::cli {
namespace {

struct GetFlags {
  LiveTarget target;
  std::string kind;
  std::string name;
  std::string output = "table";
};

int Run(const GetFlags& flags) {
  std::string kind;
  if (!flags.kind.empty()) {
    kind = KindOf(flags.kind);
    if (kind.empty()) {
      std::fprintf(stderr,
                   "meshup get: unknown kind '%s'; the kinds are virtualservice (vs), "
                   "destinationrule (dr), serviceentry (se), workloadentry (we), "
                   "peerauthentication (pa), authorizationpolicy (ap) and mesh\n",
                   flags.kind.c_str());
      return 2;
    }
  }
  std::string registry_dir;
  absl::StatusOr<std::string> config_dir = LiveConfigDir(flags.target, &registry_dir);
  absl::StatusOr<std::vector<StoredObject>> objects =
      config_dir.ok() ? ConfigStore(*config_dir).List() : config_dir.status();
  if (!objects.ok()) {
    std::fprintf(stderr, "meshup get: %s\n", std::string(objects.status().message()).c_str());
    return 1;
  }
  std::vector<StoredObject> selected;
  for (StoredObject& object : *objects) {
    if (!kind.empty() && object.kind != kind) continue;
    if (!flags.name.empty() && object.name != flags.name) continue;
    selected.push_back(std::move(object));
  }
  if (selected.empty() && !flags.name.empty()) {
    std::fprintf(stderr, "meshup get: %s not found in %s\n", ResourceName(kind, flags.name).c_str(),
                 config_dir->c_str());
    return 1;
  }
  if (selected.empty() && flags.output == "table") {
    // As kubectl: say what was asked for, not that the mesh has nothing.
    const std::string what = kind.empty() ? "objects" : kind + " objects";
    std::fprintf(stderr, "no %s in %s\n", what.c_str(), config_dir->c_str());
    return 0;
  }
  if (flags.output == "yaml") {
    std::printf("%s", FormatObjectYaml(selected).c_str());
  } else if (flags.output == "name") {
    for (const StoredObject& object : selected) {
      std::printf("%s\n", ResourceName(object.kind, object.name).c_str());
    }
  } else {
    std::printf("%s", FormatObjectTable(selected).c_str());
  }
  return 0;
}

}  // namespace

std::string FormatObjectTable(const std::vector<StoredObject>& objects) {
  size_t kind = 4, ns = 9, name = 4;
  for (const StoredObject& object : objects) {
    kind = std::max(kind, object.kind.size());
    ns = std::max(ns, object.namespace_name.size());
    name = std::max(name, object.name.size());
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                 const std::string& d) {
    return absl::StrFormat("%-*s   %-*s   %-*s   %s\n", static_cast<int>(kind), a,
                           static_cast<int>(ns), b, static_cast<int>(name), c, d);
  };
  std::string out = row("KIND", "NAMESPACE", "NAME", "SOURCE");
  for (const StoredObject& object : objects) {
    absl::StrAppend(&out, row(object.kind, object.namespace_name, object.name, object.source));
  }
  return out;
}

std::string FormatObjectYaml(const std::vector<StoredObject>& objects) {
  std::string out;
  for (size_t i = 0; i < objects.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : "---\n", "# source: ", objects[i].source, "\n",
                    objects[i].text);
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
  }
  return out;
}

void AddGetCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<GetFlags>();
  CLI::App* get = app.add_subcommand(
      "get", "List a running mesh's live configuration objects and the files they came from");
  get->add_option("kind", flags->kind,
                  "virtualservice (vs), destinationrule (dr), serviceentry (se), workloadentry "
                  "(we), peerauthentication (pa), authorizationpolicy (ap), mesh; all if none");
  get->add_option("name", flags->name, "The object's name (in any namespace)");
  get->add_option("-o,--output", flags->output, "table, yaml or name")
      ->check(CLI::IsMember({"table", "yaml", "name"}))
      ->capture_default_str();
  flags->target.AddOptions(*get);
  get->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace meshup::cli
