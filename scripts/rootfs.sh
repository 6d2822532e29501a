#!/usr/bin/env bash
# Makes a busybox-static rootfs: scripts/rootfs.sh DIR
set -euo pipefail
dir=${1:?usage: rootfs.sh DIR}
mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root}
cp /bin/busybox "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
  [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
chmod 1777 "$dir/tmp"
