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

}  // namespace

absl::StatusOr<MeshOptions> MeshOptionsFromEnvironment(MeshOptions defaults) {
  ReadString("MESHUP_SERVICE", defaults.service);
  ReadString("MESHUP_VERSION", defaults.version);
  ReadString("MESHUP_NAMESPACE", defaults.namespace_name);
  ReadString("MESHUP_CONFIG_DIR", defaults.config_dir);
  ReadString("MESHUP_REGISTRY_DIR", defaults.registry_dir);
  ReadString("MESHUP_IDENTITY_DIR", defaults.identity_dir);
  return defaults;
}

absl::StatusOr<ServerOptions> ServerOptionsFromEnvironment(ServerOptions defaults) {
  ReadString("MESHUP_HOST", defaults.host);
  std::string port;
  ReadString("MESHUP_PORT", port);
  if (!port.empty()) {
    int value = 0;
    if (!absl::SimpleAtoi(port, &value) || value < 0 || value > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("MESHUP_PORT: \"", port, "\" is not a port number (0-65535)"));
    }
    defaults.port = value;
  }
  return defaults;
}

}  // namespace meshup
