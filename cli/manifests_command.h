// `meshup manifests`: Kubernetes, Istio, Linkerd and Envoy YAML from the IDL
// and a deploy file (docs/manifests.md).
//   meshup manifests --deploy FILE --out DIR
//                    [--target kubernetes|istio|linkerd|envoy|all] [--config DIR]
//                    [--templates DIR]
// Exit status: 0 written, 1 bad input (the message names file, line and
// field; nothing is written), 2 bad flags.
#ifndef MESHUP_CLI_MANIFESTS_COMMAND_H_
#define MESHUP_CLI_MANIFESTS_COMMAND_H_

#include "CLI/CLI.hpp"

namespace meshup::cli {

void AddManifestsCommand(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_MANIFESTS_COMMAND_H_
