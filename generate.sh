#!/usr/bin/env bash
# Regenerates every piece of generated code in the repository: sqlc first,
# then each service's own generate.sh (goa gen, mockgen). Tools are pinned by
# the tool lines in go.mod; protoc comes from Debian's protobuf-compiler.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh protoc
go tool sqlc generate
for script in services/*/generate.sh; do
	(cd "$(dirname "$script")" && ./generate.sh)
done
