#include "apply_command.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "util/files.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

// One document of the applied file, and the object file that holds it.
struct ObjectDocument {
  std::string kind, namespace_name, name;
  std::string file_name;  // "virtualservice-default-reviews.yaml"
  std::string text;
};

// Loads the directory's files without `removed`, plus `extra` (FILE as the
// user wrote it, so that errors name its lines).
absl::Status CheckDirectoryWith(const std::string& config_dir,
                                const std::vector<std::string>& removed,
                                const std::optional<config::ConfigFile>& extra) {
  std::map<std::string, std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(config_dir, error)) {
    const std::string extension = entry.path().extension().string();
    if (extension != ".yaml" && extension != ".yml") continue;
    absl::StatusOr<std::string> text = internal::ReadFile(entry.path().string());
    if (!text.ok()) return text.status();
    files[entry.path().filename().string()] = *text;
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat(config_dir, ": ", error.message(),
                                            " (is a mesh running? see `meshup up`)"));
  }
  for (const std::string& name : removed) files.erase(name);
  std::vector<config::ConfigFile> all;
  for (const auto& [name, text] : files) all.push_back({(fs::path(config_dir) / name).string(), text});
  if (extra) all.push_back(*extra);
  absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot = config::LoadConfigFiles(all);
  if (!snapshot.ok()) return snapshot.status();
  // The runtime loads a route to an undefined subset, as Istio does (its
  // calls fail); a change that makes one is refused here, as `istioctl
  // analyze` reports it.
  if (!(*snapshot)->undefined_subsets.empty()) {
    return absl::InvalidArgumentError((*snapshot)->undefined_subsets.front());
  }
  return absl::OkStatus();
}

// FILE's objects, once FILE loads together with the directory without the
// objects it replaces (apply) or removes (delete).
absl::StatusOr<std::vector<ObjectDocument>> ReadObjects(const std::string& file,
                                                        const std::string& config_dir,
                                                        bool apply) {
  absl::StatusOr<std::string> text = internal::ReadFile(file);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<config::ObjectText>> read = config::ReadObjects({file, *text});
  if (!read.ok()) return read.status();
  if (read->empty()) return absl::InvalidArgumentError(absl::StrCat(file, ": no documents"));
  std::vector<ObjectDocument> objects;
  std::vector<std::string> names;
  for (const config::ObjectText& object : *read) {
    ObjectDocument document;
    document.kind = object.kind;
    document.namespace_name = object.namespace_name;
    document.name = object.name;
    document.file_name = absl::StrCat(absl::AsciiStrToLower(object.kind), "-",
                                      object.namespace_name, "-", object.name, ".yaml");
    document.text = absl::StrCat("# ", object.kind, " ", object.namespace_name, "/", object.name,
                                 ", applied from ", file, " by `meshup apply`\n", object.text);
    names.push_back(document.file_name);
    objects.push_back(std::move(document));
  }
  absl::Status whole = CheckDirectoryWith(
      config_dir, names, apply ? std::optional<config::ConfigFile>({file, *text}) : std::nullopt);
  if (!whole.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(apply ? "not applied: " : "not deleted: ", whole.message()));
  }
  return objects;
}

std::string Describe(const ObjectDocument& object, const char* what) {
  return absl::StrCat(absl::AsciiStrToLower(object.kind), " ", object.namespace_name, "/",
                      object.name, " ", what);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ApplyConfigFile(const std::string& file,
                                                         const std::string& config_dir) {
  absl::StatusOr<std::vector<ObjectDocument>> objects = ReadObjects(file, config_dir, true);
  if (!objects.ok()) return objects.status();
  std::vector<std::string> done;
  for (const ObjectDocument& object : *objects) {
    const std::string path = (fs::path(config_dir) / object.file_name).string();
    const bool existed = fs::exists(path);
    absl::Status written = internal::WriteFileAtomically(path, object.text, 0644);
    if (!written.ok()) return written;
    done.push_back(Describe(object, existed ? "configured" : "created"));
  }
  return done;
}

absl::StatusOr<std::vector<std::string>> DeleteConfigFile(const std::string& file,
                                                          const std::string& config_dir) {
  absl::StatusOr<std::vector<ObjectDocument>> objects = ReadObjects(file, config_dir, false);
  if (!objects.ok()) return objects.status();
  std::vector<std::string> done;
  for (const ObjectDocument& object : *objects) {
    std::error_code error;
    const bool removed = fs::remove(fs::path(config_dir) / object.file_name, error);
    done.push_back(Describe(object, removed ? "deleted" : "not found"));
  }
  return done;
}

void AddApplyCommands(CLI::App& app, int& exit_code) {
  struct Flags {
    std::string file;
    std::string state_dir = ".meshup";
    std::string config_dir;
  };
  for (const bool apply : {true, false}) {
    auto flags = std::make_shared<Flags>();
    CLI::App* command = app.add_subcommand(
        apply ? "apply" : "delete",
        apply ? "Validate a YAML file and install its objects into a running mesh's configuration"
              : "Remove a YAML file's objects from a running mesh's configuration");
    command->add_option("-f,--filename,file", flags->file, "The YAML file")->required();
    command->add_option("--state", flags->state_dir, "The state directory of `meshup up`")
        ->capture_default_str();
    command->add_option("--config-dir", flags->config_dir,
                        "The configuration directory (default: the state directory's config/)");
    command->callback([flags, apply, &exit_code] {
      const std::string config_dir = flags->config_dir.empty()
                                         ? (fs::path(flags->state_dir) / "config").string()
                                         : flags->config_dir;
      absl::StatusOr<std::vector<std::string>> done =
          apply ? ApplyConfigFile(flags->file, config_dir)
                : DeleteConfigFile(flags->file, config_dir);
      if (!done.ok()) {
        std::fprintf(stderr, "meshup %s: %s\n", apply ? "apply" : "delete",
                     std::string(done.status().message()).c_str());
        exit_code = 1;
        return;
      }
      for (const std::string& line : *done) std::printf("%s\n", line.c_str());
    });
  }
}

}  // namespace meshup::cli
