// networking.istio.io WorkloadEntry and ServiceEntry: static endpoints.
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/parse_common.h"
#include "config/parsers.h"
#include "status_macros.h"

namespace meshup::config {

absl::StatusOr<Workload> ParseWorkloadEntry(const YamlNode& spec, const Origin& origin,
                                            const Document& doc, absl::string_view path) {
  Fields fields(spec, std::string(path), doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  Workload workload;
  workload.origin = origin;
  YamlNode address = fields.Get("address");
  if (!address.IsDefined()) return doc.Error(spec, fields.Path("address"), "address is required");
  MESHUP_ASSIGN_OR_RETURN(workload.address, ReadString(address, fields.Path("address"), doc));
  if (workload.address.empty()) {
    return doc.Error(address, fields.Path("address"), "address is required");
  }
  if (YamlNode ports = fields.Get("ports"); ports.IsDefined() && !ports.IsNull()) {
    if (!ports.IsMap()) {
      return doc.Error(ports, fields.Path("ports"), "expected a mapping of port name to number");
    }
    MESHUP_RETURN_IF_ERROR(CheckUniqueKeys(ports, fields.Path("ports"), doc));
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!ports.key(i).IsScalar() || ports.key(i).text().empty()) {
        return doc.Error(ports.key(i), fields.Path("ports"), "a port name is required");
      }
      const std::string name(ports.key(i).text());
      MESHUP_ASSIGN_OR_RETURN(
          int64_t number,
          ReadInt(ports.value(i), absl::StrCat(fields.Path("ports"), ".", name), doc, 1, 65535));
      workload.ports[name] = static_cast<uint32_t>(number);
    }
  }
  MESHUP_ASSIGN_OR_RETURN(workload.labels,
                          ReadStringMap(fields.Get("labels"), fields.Path("labels"), doc));
  if (YamlNode sa = fields.Get("serviceAccount"); sa.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(workload.service_account,
                            ReadString(sa, fields.Path("serviceAccount"), doc));
  }
  if (YamlNode weight = fields.Get("weight"); weight.IsDefined()) {
    MESHUP_RETURN_IF_ERROR(ReadInt(weight, fields.Path("weight"), doc, 0, 1 << 20).status());
    doc.Warn(weight, fields.Path("weight"),
             "has no effect in MeshUp and is ignored: endpoints are balanced with equal weights");
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead({"network", "locality"}));
  return workload;
}

absl::StatusOr<ServiceEntry> ParseServiceEntry(const YamlNode& spec, const Origin& origin,
                                               const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  ServiceEntry entry;
  entry.origin = origin;
  YamlNode hosts = fields.Get("hosts");
  MESHUP_RETURN_IF_ERROR(CheckSequence(hosts, "spec.hosts", doc));
  if (!hosts.IsSequence() || hosts.size() == 0) {
    return doc.Error(spec, "spec.hosts", "at least one host is required");
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(
        std::string host,
        ReadHost(hosts[i], absl::StrCat("spec.hosts[", i, "]"), doc, origin.namespace_name));
    entry.hosts.push_back(std::move(host));
  }
  YamlNode ports = fields.Get("ports");
  MESHUP_RETURN_IF_ERROR(CheckSequence(ports, "spec.ports", doc));
  for (size_t i = 0; ports.IsSequence() && i < ports.size(); ++i) {
    const std::string path = absl::StrCat("spec.ports[", i, "]");
    Fields port_fields(ports[i], path, doc);
    MESHUP_RETURN_IF_ERROR(port_fields.status());
    ServiceEntry::Port port;
    MESHUP_ASSIGN_OR_RETURN(int64_t number, ReadInt(port_fields.Get("number"),
                                                    port_fields.Path("number"), doc, 1, 65535));
    port.number = static_cast<uint32_t>(number);
    if (YamlNode name = port_fields.Get("name"); name.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(port.name, ReadString(name, port_fields.Path("name"), doc));
    }
    if (YamlNode protocol = port_fields.Get("protocol"); protocol.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(port.protocol,
                              ReadString(protocol, port_fields.Path("protocol"), doc));
    }
    MESHUP_RETURN_IF_ERROR(port_fields.CheckAllRead({"targetPort"}));
    entry.ports.push_back(std::move(port));
  }
  if (YamlNode resolution = fields.Get("resolution"); resolution.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(resolution, "spec.resolution", doc));
    if (name == "STATIC") {
      entry.resolution = ServiceEntry::Resolution::kStatic;
    } else if (name == "DNS" || name == "DNS_ROUND_ROBIN") {
      // DNS_ROUND_ROBIN differs from DNS in how Envoy keeps connections to
      // the addresses; the names resolve alike.
      entry.resolution = ServiceEntry::Resolution::kDns;
    } else if (name == "NONE") {
      entry.resolution = ServiceEntry::Resolution::kNone;
    } else {
      return doc.Error(resolution, "spec.resolution",
                       absl::StrCat("'", name, "' is not one of STATIC, DNS, DNS_ROUND_ROBIN or NONE"));
    }
  }
  YamlNode endpoints = fields.Get("endpoints");
  MESHUP_RETURN_IF_ERROR(CheckSequence(endpoints, "spec.endpoints", doc));
  for (size_t i = 0; endpoints.IsSequence() && i < endpoints.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(
        Workload endpoint,
        ParseWorkloadEntry(endpoints[i], origin, doc, absl::StrCat("spec.endpoints[", i, "]")));
    entry.endpoints.push_back(std::move(endpoint));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead({"location", "exportTo"}));
  return entry;
}

}  // namespace meshup::config
