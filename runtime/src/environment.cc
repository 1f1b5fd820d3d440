#include "meshup/environment.h"

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshup {
namespace {

// Sets `field` from the variable `name` when it is set and not empty.
void ReadString(const char* name, std::string& field) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') field = value;
}

// A port number from the variable `name`, in [min, 65535]; `fallback` when
// the variable is unset or empty.
absl::StatusOr<int> ReadPort(const char* name, int fallback, int min) {
  std::string text;
  ReadString(name, text);
  if (text.empty()) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": \"", text,
                                                   "\" is not a port number (", min, "-65535)"));
  }
  return value;
}

}  // namespace

absl::StatusOr<MeshOptions> MeshOptionsFromEnvironment(MeshOptions defaults) {
  ReadString("MESHUP_SERVICE", defaults.service);
  ReadString("MESHUP_VERSION", defaults.version);
  ReadString("MESHUP_NAMESPACE", defaults.namespace_name);
  ReadString("MESHUP_CONFIG_DIR", defaults.config_dir);
  ReadString("MESHUP_REGISTRY_DIR", defaults.registry_dir);
  ReadString("MESHUP_IDENTITY_DIR", defaults.identity_dir);
  ReadString("MESHUP_ADMIN_HOST", defaults.admin_host);
  absl::StatusOr<int> admin_port = ReadPort("MESHUP_ADMIN_PORT", defaults.admin_port, -1);
  if (!admin_port.ok()) return admin_port.status();
  defaults.admin_port = *admin_port;
  return defaults;
}

absl::StatusOr<ServerOptions> ServerOptionsFromEnvironment(ServerOptions defaults) {
  ReadString("MESHUP_HOST", defaults.host);
  absl::StatusOr<int> port = ReadPort("MESHUP_PORT", defaults.port, 0);
  if (!port.ok()) return port.status();
  defaults.port = *port;
  return defaults;
}

}  // namespace meshup
