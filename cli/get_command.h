// `meshup get [KIND [NAME]] [-o table|yaml|name]`: the objects of a running
// mesh's live configuration and where each came from, as `kubectl get`
// lists a cluster's. KIND is a kind as kubectl spells it (virtualservice,
// virtualservices, vs, virtualservice.networking.istio.io; destinationrule
// or dr; serviceentry or se; workloadentry or we; peerauthentication or pa;
// authorizationpolicy or ap; mesh); NAME matches in every namespace.
#ifndef MESHUP_CLI_GET_COMMAND_H_
#define MESHUP_CLI_GET_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "config_store.h"

namespace meshup::cli {

// The table: KIND, NAMESPACE, NAME, SOURCE.
std::string FormatObjectTable(const std::vector<StoredObject>& objects);

// Each object as YAML, with its source as a comment, separated by "---".
std::string FormatObjectYaml(const std::vector<StoredObject>& objects);

void AddGetCommand(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_GET_COMMAND_H_
