// meshup.dev/v1alpha1 Mesh: trust domain, registry and telemetry.
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/parsers.h"
#include "status_macros.h"

namespace meshup::config {

absl::StatusOr<MeshConfig> ParseMeshConfig(const YamlNode& spec, const Origin& origin,
                                           const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  MeshConfig mesh;
  mesh.origin = origin;
  if (YamlNode domain = fields.Get("trustDomain"); domain.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(mesh.trust_domain, ReadString(domain, "spec.trustDomain", doc));
    if (mesh.trust_domain.empty() || mesh.trust_domain.find('/') != std::string::npos) {
      return doc.Error(domain, "spec.trustDomain",
                       "a trust domain is a DNS name without '/', e.g. cluster.local");
    }
  }
  if (YamlNode registry = fields.Get("registry"); registry.IsDefined()) {
    Fields reg(registry, "spec.registry", doc);
    MESHUP_RETURN_IF_ERROR(reg.status());
    MESHUP_ASSIGN_OR_RETURN(std::string type, ReadString(reg.Get("type"), reg.Path("type"), doc));
    if (type == "file") {
      mesh.registry.type = MeshConfig::Registry::Type::kFile;
    } else if (type == "etcd") {
      mesh.registry.type = MeshConfig::Registry::Type::kEtcd;
    } else if (type == "dns") {
      mesh.registry.type = MeshConfig::Registry::Type::kDns;
    } else {
      return doc.Error(registry, reg.Path("type"),
                       absl::StrCat("'", type, "' is not one of file, etcd or dns"));
    }
    if (YamlNode dir = reg.Get("directory"); dir.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(mesh.registry.directory, ReadString(dir, reg.Path("directory"), doc));
    }
    if (YamlNode endpoints = reg.Get("endpoints"); endpoints.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(mesh.registry.endpoints,
                              ReadStringList(endpoints, reg.Path("endpoints"), doc));
    }
    if (YamlNode prefix = reg.Get("prefix"); prefix.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(mesh.registry.prefix, ReadString(prefix, reg.Path("prefix"), doc));
    }
    if (YamlNode name = reg.Get("nameTemplate"); name.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(mesh.registry.name_template,
                              ReadString(name, reg.Path("nameTemplate"), doc));
    }
    if (YamlNode port = reg.Get("port"); port.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(int64_t number, ReadInt(port, reg.Path("port"), doc, 1, 65535));
      mesh.registry.port = static_cast<uint32_t>(number);
    }
    if (mesh.registry.type == MeshConfig::Registry::Type::kDns && mesh.registry.port == 0) {
      return doc.Error(registry, reg.Path("port"), "the dns registry needs the services' port");
    }
    if (mesh.registry.type == MeshConfig::Registry::Type::kEtcd &&
        mesh.registry.endpoints.empty()) {
      return doc.Error(registry, reg.Path("endpoints"), "the etcd registry needs endpoints");
    }
    MESHUP_RETURN_IF_ERROR(reg.CheckAllRead());
  }
  if (YamlNode telemetry = fields.Get("telemetry"); telemetry.IsDefined()) {
    Fields tel(telemetry, "spec.telemetry", doc);
    MESHUP_RETURN_IF_ERROR(tel.status());
    if (YamlNode tracing = tel.Get("tracing"); tracing.IsDefined()) {
      Fields tr(tracing, tel.Path("tracing"), doc);
      MESHUP_RETURN_IF_ERROR(tr.status());
      if (YamlNode sampling = tr.Get("randomSamplingPercentage"); sampling.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(
            mesh.telemetry.sampling_percent,
            ReadDouble(sampling, tr.Path("randomSamplingPercentage"), doc, 0, 100));
      }
      if (YamlNode endpoint = tr.Get("otlpEndpoint"); endpoint.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(mesh.telemetry.otlp_endpoint,
                                ReadString(endpoint, tr.Path("otlpEndpoint"), doc));
        if (!absl::StartsWith(mesh.telemetry.otlp_endpoint, "http://") &&
            !absl::StartsWith(mesh.telemetry.otlp_endpoint, "https://")) {
          return doc.Error(endpoint, tr.Path("otlpEndpoint"),
                           "an OTLP/HTTP collector URL, e.g. http://127.0.0.1:4318");
        }
      }
      if (YamlNode file = tr.Get("file"); file.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(mesh.telemetry.trace_file, ReadString(file, tr.Path("file"), doc));
      }
      MESHUP_RETURN_IF_ERROR(tr.CheckAllRead());
    }
    if (YamlNode log = tel.Get("accessLog"); log.IsDefined()) {
      Fields al(log, tel.Path("accessLog"), doc);
      MESHUP_RETURN_IF_ERROR(al.status());
      MESHUP_ASSIGN_OR_RETURN(mesh.telemetry.access_log_file,
                              ReadString(al.Get("file"), al.Path("file"), doc));
      MESHUP_RETURN_IF_ERROR(al.CheckAllRead());
    }
    if (YamlNode rotation = tel.Get("rotation"); rotation.IsDefined()) {
      Fields rot(rotation, tel.Path("rotation"), doc);
      MESHUP_RETURN_IF_ERROR(rot.status());
      if (YamlNode bytes = rot.Get("maxBytes"); bytes.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(mesh.telemetry.rotation_max_bytes,
                                ReadInt(bytes, rot.Path("maxBytes"), doc, 4096, int64_t{1} << 40));
      }
      if (YamlNode files = rot.Get("maxFiles"); files.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(int64_t count, ReadInt(files, rot.Path("maxFiles"), doc, 1, 100));
        mesh.telemetry.rotation_max_files = static_cast<int>(count);
      }
      MESHUP_RETURN_IF_ERROR(rot.CheckAllRead());
    }
    if (YamlNode metrics = tel.Get("metrics"); metrics.IsDefined()) {
      Fields met(metrics, tel.Path("metrics"), doc);
      MESHUP_RETURN_IF_ERROR(met.status());
      if (YamlNode series = met.Get("maxSeries"); series.IsDefined()) {
        MESHUP_ASSIGN_OR_RETURN(mesh.telemetry.max_series,
                                ReadInt(series, met.Path("maxSeries"), doc, 1, 10000000));
      }
      MESHUP_RETURN_IF_ERROR(met.CheckAllRead());
    }
    MESHUP_RETURN_IF_ERROR(tel.CheckAllRead());
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return mesh;
}

}  // namespace meshup::config
