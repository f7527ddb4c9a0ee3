#!/usr/bin/env bash
# Build m1/debian-packages:<release>, the test image with deploy's packages
# preinstalled (see docker/image-packages/Dockerfile). Built once, reused;
# --force rebuilds both it and the host image under it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=${1:-bookworm}
force=${2:-}
image="m1/debian-packages:$release"
bash "$here/build-image.sh" "$release" $force
[ "$force" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1 && exit 0
exec 9>"/tmp/m1-build-test-image-$release.lock"
flock 9
[ "$force" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1 && exit 0
case "$release" in bullseye) pg=13 ;; bookworm) pg=15 ;; trixie) pg=17 ;; *) pg=15 ;; esac
printf 'docker/build-test-image: building %s (PostgreSQL %s)\n' "$image" "$pg" >&2
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=m1/debian:$release" --build-arg "PG=$pg" -t "$image" "$here/image-packages" >/dev/null
