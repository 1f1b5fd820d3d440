#!/usr/bin/env bash
# Installs the Debian 12 packages MeshUp builds and tests with, when any is
# missing. Runs apt-get only then, so a ready machine pays nothing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # Protobuf and gRPC (protobuf-compiler-grpc: gRPC's CMake config names its plugin)
  protobuf-compiler libprotobuf-dev libprotoc-dev libgrpc++-dev protobuf-compiler-grpc
  # the runtime's and tools' libraries
  libabsl-dev libuv1-dev libssl-dev libyaml-dev libyaml-cpp-dev libre2-dev libhttp-parser-dev
  nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev libkainjow-mustache-dev
  # tests and benchmarks; real servers the tests start; clang for the fuzzers
  libgtest-dev libgmock-dev libbenchmark-dev etcd-server clang
  # Prometheus (promtool) for telemetry tests; nginx and haproxy as sidecars in
  # the benchmark; headless Chromium for the bookinfo page test
  prometheus nginx haproxy chromium chromium-driver
)

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
echo "Installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
