#!/usr/bin/env bash
# Prepare a Docker engine on this machine: install the distribution's packages
# and start dockerd when no engine answers; do nothing when one does.
# Idempotent and safe to run concurrently with an engine already running.
set -euo pipefail

log() { printf 'docker/setup-engine: %s\n' "$*" >&2; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

# Each systemd container takes several inotify instances; the kernel's default
# of 128 per user makes new containers crash-loop ("Too many open files") once
# a few clusters run side by side.
if [ "$(id -u)" -eq 0 ] && [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
  sysctl -qw fs.inotify.max_user_instances=1024 || log "could not raise fs.inotify.max_user_instances (containers may fail to boot)"
fi

if engine_answers; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "no Docker engine answers and this is not root: start one, or rerun as root"
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]} from the distribution's archive"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/m1-dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "engine ready"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/m1-dockerd.log"
exit 1
