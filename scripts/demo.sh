#!/usr/bin/env bash
# Builds a busybox bundle and runs it under runj: the container prints its
# hostname and a few facts from inside, then exits.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "the demo creates namespaces and mounts: run it as root" >&2; exit 1; fi
runj="$(pwd)/dist/runj.cjs"
work=$(mktemp -d /tmp/runj-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/rootfs.sh "$work/rootfs"
cd "$work"
"$runj" spec
node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync("config.json", "utf8"));
c.hostname = "runj-demo";
c.process.args = ["sh", "-c", "echo \"hello from $(hostname), pid $$ in its own namespace, uid $(id -u)\"; echo \"root is read-only: $(touch /x 2>&1 || true)\""];
fs.writeFileSync("config.json", JSON.stringify(c, null, 2));
'
"$runj" --root "$work/state" run "demo-$$"
