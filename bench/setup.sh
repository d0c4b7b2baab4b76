#!/usr/bin/env bash
# Installs what the benchmark needs from Debian when missing. Idempotent.
# wrk and nginx are required; Caddy (the second reference proxy) is tried, and the
# benchmark runs without its column when it cannot be installed.
set -u

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
want_caddy=0
command -v caddy >/dev/null 2>&1 || want_caddy=1

if [ ${#missing[@]} -eq 0 ] && [ $want_caddy -eq 0 ]; then
  echo "bench/setup.sh: wrk, nginx and caddy are installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  if [ ${#missing[@]} -eq 0 ]; then
    echo "bench/setup.sh: apt-get not found: no caddy; the benchmark runs without the Caddy reference"
    exit 0
  fi
  echo "bench/setup.sh: cannot install ${missing[*]}: apt-get not found; install them by hand" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    if [ ${#missing[@]} -eq 0 ]; then
      echo "bench/setup.sh: not root and no sudo: no caddy; the benchmark runs without the Caddy reference"
      exit 0
    fi
    echo "bench/setup.sh: cannot install ${missing[*]}: not root and no sudo" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
install() {
  "${sudo[@]}" apt-get install -y "$@" && return 0
  echo "bench/setup.sh: install failed; running apt-get update and retrying"
  "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/setup.sh: installing ${missing[*]}"
  if ! install "${missing[@]}"; then
    echo "bench/setup.sh: cannot install ${missing[*]} with apt-get" >&2
    exit 1
  fi
fi

# The bench runs its own nginx and Caddy from generated configs; a system service the
# packages may start is not used.
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
    echo "bench/setup.sh: $tool is still missing after the install" >&2
    exit 1
  fi
done

if [ $want_caddy -eq 1 ]; then
  echo "bench/setup.sh: installing caddy"
  if install caddy && command -v caddy >/dev/null 2>&1; then
    echo "bench/setup.sh: caddy $(caddy version | cut -d' ' -f1) installed"
  else
    echo "bench/setup.sh: could not install caddy; the benchmark runs without the Caddy reference"
  fi
fi
echo "bench/setup.sh: done"
