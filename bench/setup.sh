#!/usr/bin/env bash
# Installs what the benchmark needs (wrk, nginx) from Debian when missing. Idempotent.
set -u

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)

if [ ${#missing[@]} -eq 0 ]; then
  echo "bench/setup.sh: wrk and nginx are installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench/setup.sh: cannot install ${missing[*]}: apt-get not found; install them by hand" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "bench/setup.sh: cannot install ${missing[*]}: not root and no sudo" >&2
    exit 1
  fi
fi

echo "bench/setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y "${missing[@]}"; then
  echo "bench/setup.sh: install failed; running apt-get update and retrying"
  if ! "${sudo[@]}" apt-get update || ! "${sudo[@]}" apt-get install -y "${missing[@]}"; then
    echo "bench/setup.sh: cannot install ${missing[*]} with apt-get" >&2
    exit 1
  fi
fi

# The bench runs its own nginx from a generated config; a system nginx the package may start is not used.
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
    echo "bench/setup.sh: $tool is still missing after the install" >&2
    exit 1
  fi
done
echo "bench/setup.sh: done"
