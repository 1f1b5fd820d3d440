#!/usr/bin/env bash
# Installs the Debian 12 packages MeshUp builds and tests with, when any is
# missing. Runs apt-get only then, so a ready machine pays nothing.
# Usage: scripts/install-deps.sh [--main]
#   --main: only what the main job needs (scripts/setup.sh): the toolchain and
#           the libraries of the runtime, the CLI and bookinfo. Without it,
#           also what the tests, benchmarks and fuzzers need (scripts/test.sh).
set -euo pipefail

main_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # Protobuf and gRPC (protobuf-compiler-grpc: gRPC's CMake config names its plugin)
  protobuf-compiler libprotobuf-dev libprotoc-dev libgrpc++-dev protobuf-compiler-grpc
  # the .proto files of gRPC's health and reflection services, which servers serve
  grpc-proto
  # the runtime's and tools' libraries
  libabsl-dev libuv1-dev libssl-dev libyaml-dev libyaml-cpp-dev libre2-dev libhttp-parser-dev
  nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev libkainjow-mustache-dev
)
test_packages=(
  # tests and benchmarks; real servers the tests start; clang for the fuzzers
  libgtest-dev libgmock-dev libbenchmark-dev etcd-server clang
  # Prometheus (promtool) for telemetry tests; nginx and haproxy as sidecars in
  # the benchmark; headless Chromium for the bookinfo page test
  prometheus nginx haproxy chromium chromium-driver
)

case "${1:-}" in
  --main) packages=("${main_packages[@]}") ;;
  "") packages=("${main_packages[@]}" "${test_packages[@]}") ;;
  *) echo "install-deps.sh: unknown argument '$1' (--main or nothing)" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "install-deps.sh: installing ${#missing[@]} packages and what they need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Progress: apt-get prints a line per package fetched, unpacked and set up;
# on a terminal, dpkg's progress bar as well.
progress=()
if [ -t 1 ]; then progress=(-o Dpkg::Progress-Fancy=1); fi
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${progress[@]}" "${missing[@]}"
