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
//
// The jobs of a load: each file's text checks and documents
// (config/documents.h), each document read into objects
// (config/object_reader.h), files parsed on several threads and through a
// cache (config/parsed_files.h), then put together here and checked across
// objects (config/cross_checks.h).
#ifndef MESHUP_SRC_CONFIG_LOADER_H_
#define MESHUP_SRC_CONFIG_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/documents.h"
#include "config/parsed_files.h"
#include "config/snapshot.h"

namespace meshup::config {

// Files are parsed independently (on more than one thread when there are
// many), then put together in order: the first error in file and document
// order is the one returned, as when reading them one after the other.
absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigFiles(
    const std::vector<ConfigFile>& files, ParsedFileCache* cache = nullptr);

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigDirectory(
    const std::string& directory, ParsedFileCache* cache = nullptr);

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_LOADER_H_
