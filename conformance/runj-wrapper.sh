#!/bin/sh
# runj as one executable for clients that take a runtime path (containerd's
# --runc-binary, podman's runtimes): runs the bundled CLI with node.
# NODE_EXTRA_CA_CERTS is dropped: node warns on stderr when it names a missing
# file, and clients read a runtime's stderr.
unset NODE_EXTRA_CA_CERTS
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
[ -f "$repo/dist/runj.cjs" ] || { echo "runj: $repo/dist/runj.cjs is missing: run 'make build' in $repo" >&2; exit 127; }
exec node "$repo/dist/runj.cjs" "$@"
