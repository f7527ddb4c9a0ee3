#!/usr/bin/env bash
# Bring up a local demo M1 cluster on Docker from a fresh clone: npm packages,
# the Docker engine and the host image are set up when missing; then
# configure (repmgr, PostgreSQL 15), provision and deploy; then a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-clusters/demo}
[ -f dist/cli/main.js ] && [ -d node_modules ] || npm ci --no-audit --no-fund
bash docker/setup-engine.sh
bash docker/build-image.sh bookworm
if [ ! -f "$dir/config.yml" ]; then
  node bin/m1.js configure "$dir" --architecture M1 --postgresql 15 \
    --failover-manager repmgr --platform docker --enable-pgbouncer
fi
node bin/m1.js provision "$dir"
node bin/m1.js deploy "$dir"
node bin/m1.js status "$dir"
