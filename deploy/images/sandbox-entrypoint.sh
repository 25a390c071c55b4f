#!/bin/sh
# Entrypoint of the containers that build sandboxes (worker, hub): make this container's own cgroup
# namespace writable and delegate its controllers, then run the command.
#
# Docker mounts /sys/fs/cgroup read-only. With `cgroup: private` the mount is this container's own
# cgroup namespace, so with CAP_SYS_ADMIN it may be remounted read-write without reaching any other
# container's or the host's groups. cgroup v2 allows controllers in a child only when the parent has
# no processes of its own: move every process into a leaf ("init") first, then enable every available
# controller for the children the isolation library creates (the docker-in-docker recipe).
# Where any of this is impossible, the isolation library's probe reports which limits are missing.
set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || echo "sandbox-entrypoint: /sys/fs/cgroup stays read-only" >&2
  if [ -w /sys/fs/cgroup/cgroup.subtree_control ]; then
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control || true
  fi
fi
exec "$@"
