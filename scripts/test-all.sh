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
# The scenarios on Debian 11 and 13 need their own images: built in the background
# while the other tests run (each scenario waits for its image, the build holds a lock).
for release in bullseye trixie; do
  (bash docker/build-test-image.sh "$release" > "/tmp/m1-build-test-image-$release.log" 2>&1 || echo "docker/build-test-image.sh $release failed: see /tmp/m1-build-test-image-$release.log" >&2) &
done
export M1_E2E_RELEASES=bullseye,trixie
exec npx vitest run "$@"
