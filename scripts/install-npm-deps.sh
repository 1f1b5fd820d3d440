#!/usr/bin/env bash
# Installs the npm packages the manifest tests validate `meshup manifests`
# output with (tools/schemas/package.json, versions pinned by its
# package-lock.json) into a cache outside the repository:
# ${MESHUP_NPM_CACHE:-$HOME/.cache/meshup/npm}/node_modules. Installs Node.js
# and npm from Debian's packages when they are missing. Runs npm only when the
# lock file changed since the last install, so a ready machine pays nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${MESHUP_NPM_CACHE:-$HOME/.cache/meshup/npm}"
lock=tools/schemas/package-lock.json

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  echo "Installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi

stamp="$cache/.meshup-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$cache/node_modules" ]; then
  exit 0
fi

echo "Installing the manifest schema packages into $cache"
mkdir -p "$cache"
cp tools/schemas/package.json "$lock" "$cache/"
rm -f "$stamp"
# npm ci installs exactly what the lock file names. kubernetes-models' engines
# field asks for Node.js 22; it runs on 20 all the same (the schema test shows
# it by validating), so npm's EBADENGINE warning is expected there.
npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
