#!/usr/bin/env bash
# Installs every package kam needs to build, test and run, from Debian
# bookworm's archive. Safe to run again: it installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler libprotobuf-dev
  libgrpc++-dev protobuf-compiler-grpc
  libabsl-dev
  librocksdb-dev
  prometheus-cpp-dev
  libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  kubernetes-client python3-yaml
  prometheus
)

missing=()
for package in "${PACKAGES[@]}"; do
  # Any kubectl serves the manifest checks (they only render with `kubectl
  # kustomize`); kubernetes-client would clash with another one's
  # /usr/bin/kubectl (e.g. Google Cloud's kubectl package).
  if [ "$package" = kubernetes-client ] && command -v kubectl >/dev/null; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "kam: all build dependencies are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "kam: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
