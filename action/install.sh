#!/usr/bin/env bash
# Installs the action's own copy of ipfs-publish (dependencies and the built dist/), once.
set -euo pipefail
cd "$ACTION_PATH"
if [ -f dist/cli.js ] && [ -d node_modules ]; then
  echo "ipfs-publish $(node bin/ipfs-publish.js --version) is installed"
  exit 0
fi
npm ci --no-audit --no-fund
echo "ipfs-publish $(node bin/ipfs-publish.js --version) installed"
