#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh machine: installs the npm
# packages, a Docker engine and the host image when they are missing, then runs
# unit, integration and end-to-end tests against real containers.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/vitest ] && [ -f dist/cli/main.js ] || npm ci --no-audit --no-fund
bash docker/setup-engine.sh
# End-to-end tests connect from this machine with psql (through PgBouncer and HAProxy).
command -v psql >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }
bash docker/build-image.sh bookworm
bash docker/build-test-image.sh bookworm
exec npx vitest run "$@"
