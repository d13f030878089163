#!/usr/bin/env bash
# Regenerates the auth service's Goa code (HTTP, gRPC, OpenAPI) and its mocks.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
module=$(cd "$root" && go list -m)

# protoc-gen-go and protoc-gen-go-grpc at the versions pinned in go.mod.
bin="$root/.bin"
(cd "$root" && go build -o "$bin/" google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc)
export PATH="$bin:$PATH"

# goa gen deletes every folder under gen/; keep the sqlc output.
keep=$(mktemp -d)
restore() {
	if [ -d "$keep/database" ]; then mkdir -p gen && rm -rf gen/database && mv "$keep/database" gen/; fi
	rm -rf "$keep"
}
trap restore EXIT
if [ -d gen/database ]; then mv gen/database "$keep/"; fi
go tool goa gen "$module/services/auth/design/api" -o . >/dev/null
restore

go tool mockgen -source=internal/ports/ports.go -destination=internal/ports/mocks/ports.go -package=mocks

# The OpenAPI description the service serves: Goa's, completed from the
# design with what the server does beside the transport (tools/openapi).
go run ./tools/openapi gen/http/openapi3.json internal/apidocs
