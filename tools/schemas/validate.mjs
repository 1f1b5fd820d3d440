// Validates Kubernetes and Istio YAML documents against the published schemas
// of the npm packages kubernetes-models and @kubernetes-models/istio, and
// rejects every field those schemas do not declare.
//
//   node tools/schemas/validate.mjs --modules DIR/node_modules FILE...
//
// DIR is where scripts/install-npm-deps.sh installed tools/schemas/package.json
// (default ${MESHUP_NPM_CACHE:-$HOME/.cache/meshup/npm}). Each document of
// each file is checked with the validator its package ships for its
// apiVersion and kind. Those validators let unknown fields through, so every
// object is wrapped to record which fields the validator reads: a schema
// reads each field it declares (or enumerates all of them, for maps such as
// labels), so a field it never read is one the schema does not know, an
// error here as it is for `kubectl apply --validate=strict`.
//
// Linkerd's groups (linkerd.io, policy.linkerd.io) have no npm package with
// their schemas: their documents are counted and reported as unchecked.
// Any other apiVersion or kind without a published schema is an error.
//
// Prints one line per error ("FILE: document N (Kind name): /json/path: what")
// and a summary; exits 0 when every document is valid, 1 when one is not,
// 2 when the packages are missing or the arguments are wrong.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const kSetup = "scripts/install-npm-deps.sh";

function usage(message) {
  console.error(`validate.mjs: ${message}`);
  console.error("usage: node tools/schemas/validate.mjs --modules DIR/node_modules FILE...");
  process.exit(2);
}

// Imports `spec` ("kubernetes-models/apps/v1") from `modules` as Node.js would
// from a project there: through the package's exports map. Returns null when
// the package has no such entry.
async function importFrom(modules, spec) {
  const parts = spec.split("/");
  const nameLength = spec.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = ["."].concat(parts.slice(nameLength)).join("/");
  const root = path.join(modules, name);
  const manifestPath = path.join(root, "package.json");
  if (!fs.existsSync(manifestPath)) {
    console.error(`validate.mjs: ${name} is not installed in ${modules}; run ${kSetup}`);
    process.exit(2);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  let target = manifest.exports ? manifest.exports[subpath] : undefined;
  if (target === undefined && subpath === ".") target = manifest.main ?? "index.js";
  while (target !== undefined && target !== null && typeof target === "object") {
    target = target.node ?? target.import ?? target.default;
  }
  if (typeof target !== "string") return null;
  return import(pathToFileURL(path.join(root, target)).href);
}

// The module that holds the schema of `apiVersion`, or "linkerd" for Linkerd's
// groups.
function schemaModule(apiVersion) {
  if (apiVersion === "v1") return "kubernetes-models/v1";
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return null;
  const group = apiVersion.slice(0, slash);
  if (group === "linkerd.io" || group.endsWith(".linkerd.io")) return "linkerd";
  if (group.endsWith(".istio.io")) return `@kubernetes-models/istio/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

function pointer(parts) {
  return parts.length === 0 ? "/" : "/" + parts.join("/");
}

// A deep copy of `value` whose objects record the fields read from them.
function tracked(value, at, records) {
  if (Array.isArray(value)) return value.map((item, i) => tracked(item, at.concat(String(i)), records));
  if (value === null || typeof value !== "object") return value;
  const copy = {};
  for (const [key, item] of Object.entries(value)) copy[key] = tracked(item, at.concat(key), records);
  const record = { at, copy, read: new Set(), enumerated: false };
  records.push(record);
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

async function main() {
  const args = process.argv.slice(2);
  let modules = null;
  const files = [];
  for (let i = 0; i < args.length; ++i) {
    if (args[i] === "--modules") {
      modules = args[++i];
    } else if (args[i].startsWith("-")) {
      usage(`unknown flag ${args[i]}`);
    } else {
      files.push(args[i]);
    }
  }
  if (!modules) usage("--modules is required");
  if (files.length === 0) usage("no files");
  if (!fs.existsSync(modules)) {
    console.error(`validate.mjs: ${modules} does not exist; run ${kSetup}`);
    process.exit(2);
  }
  const yamlModule = await importFrom(modules, "yaml");
  const YAML = yamlModule.default ?? yamlModule;

  const counts = { kubernetes: 0, istio: 0, linkerd: 0 };
  let errors = 0;
  const fail = (where, message) => {
    console.log(`${where}: ${message}`);
    ++errors;
  };
  for (const file of files) {
    const documents = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
    let index = 0;
    for (const document of documents) {
      ++index;
      if (document.errors.length > 0) {
        fail(`${file}: document ${index}`, `not YAML: ${document.errors[0].message}`);
        continue;
      }
      const object = document.toJS();
      if (object === null || object === undefined) continue;
      const apiVersion = object.apiVersion;
      const kind = object.kind;
      const where = `${file}: document ${index} (${kind} ${object.metadata?.name ?? "?"})`;
      const moduleName = typeof apiVersion === "string" ? schemaModule(apiVersion) : null;
      if (moduleName === null) {
        fail(where, `no published schema for apiVersion ${JSON.stringify(apiVersion)}`);
        continue;
      }
      if (moduleName === "linkerd") {
        ++counts.linkerd;
        continue;
      }
      const models = await importFrom(modules, moduleName);
      const model = models ? models[kind] : undefined;
      if (typeof model !== "function" || typeof model.prototype.validate !== "function") {
        fail(where, `no published schema for ${apiVersion} ${kind} (${moduleName})`);
        continue;
      }
      const records = [];
      const data = tracked(object, [], records);
      let valid = true;
      try {
        model.prototype.validate.call(data);
      } catch (error) {
        valid = false;
        fail(where, `invalid: ${error.message}`);
      }
      for (const record of records) {
        if (record.enumerated) continue;
        for (const key of Object.keys(record.copy)) {
          if (!record.read.has(key)) {
            valid = false;
            fail(where, `${pointer(record.at.concat(key))}: unknown field (not in the ${apiVersion} ${kind} schema)`);
          }
        }
      }
      if (valid) ++counts[moduleName.startsWith("@kubernetes-models/istio") ? "istio" : "kubernetes"];
    }
  }
  console.log(
    `schemas: ${counts.kubernetes} Kubernetes and ${counts.istio} Istio document(s) valid, ` +
      `${counts.linkerd} Linkerd document(s) unchecked (no published schema package), ${errors} error(s)`,
  );
  process.exit(errors === 0 ? 0 : 1);
}

await main();
