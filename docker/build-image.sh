#!/usr/bin/env bash
# Build the m1 host image m1/debian:<release> without any registry:
# debootstrap a minimal root filesystem from the distribution's archive, import
# it as m1/debian-base:<release>, then build systemd + OpenSSH on top.
# Does nothing when the image already exists (unless --force).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=${1:-bookworm}
force=${2:-}
case "$release" in
  11|bullseye) release=bullseye ;;
  12|bookworm) release=bookworm ;;
  13|trixie)   release=trixie ;;
  *) echo "docker/build-image: unsupported Debian release '$release' (use bullseye, bookworm or trixie)" >&2; exit 2 ;;
esac
image="m1/debian:$release"
base="m1/debian-base:$release"
log() { printf 'docker/build-image: %s\n' "$*" >&2; }

bash "$here/setup-engine.sh"

if [ "$force" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi

# One build at a time per release: concurrent test workers share the image.
exec 9>"/tmp/m1-build-image-$release.lock"
flock 9
if [ "$force" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  root=$(mktemp -d /tmp/m1-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  log "debootstrap $release (about a minute)"
  debootstrap --variant=minbase "$release" "$root" >/tmp/m1-debootstrap-$release.log 2>&1 \
    || { log "debootstrap failed; see /tmp/m1-debootstrap-$release.log"; exit 1; }
  tar -C "$root" -c . | docker import - "$base" >/dev/null
  rm -rf "$root"; trap - EXIT
fi

log "building $image"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" -t "$image" "$here/image" >/dev/null
log "built $image"
