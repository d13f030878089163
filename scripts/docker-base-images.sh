#!/usr/bin/env bash
# Builds, from Debian's packages, the base images that the Dockerfiles and
# compose files otherwise pull from a registry, for machines that reach
# Debian's packages (and the Go module proxy) but no container registry:
#
#   platform-local/debian:bookworm          debootstrap --variant=minbase, imported           (DEBIAN_IMAGE)
#   platform-local/golang:<go>-bookworm     + this machine's Go toolchain, git, CA certificates   (GO_IMAGE)
#   platform-local/postgres:15-bookworm     + Debian's postgresql-15 and an entrypoint that
#                                             honours POSTGRES_USER/PASSWORD/DB like postgres:16's (POSTGRES_IMAGE)
#
# The runtime stage needs no image: RUNTIME_IMAGE=scratch, and the
# Dockerfiles copy the CA certificates from the build stage and run as
# 65532:65532. It also makes sure `docker build` can use BuildKit (the
# Dockerfiles use RUN --mount): a docker CLI of version 23 or later needs the
# buildx plugin for that, which it builds from the Go module proxy when
# missing.
#
# Existing tags are reused, so a second run takes seconds (FORCE=1 rebuilds
# them). Progress goes to stderr; the variables for compose are written to
# .docker-images.env and printed as export lines, so either of these works:
#   scripts/docker-base-images.sh && set -a && . ./.docker-images.env && set +a
#   eval "$(scripts/docker-base-images.sh)"
# Needs root (or sudo) for debootstrap; DEBIAN_MIRROR overrides the mirror
# (default: the one this machine's apt uses, else debootstrap's default).
set -euo pipefail
cd "$(dirname "$0")/.."

suite=bookworm
buildx_version=v0.38.2 # github.com/docker/buildx, built with the local Go
base_tag=platform-local/debian:$suite
pg_tag=platform-local/postgres:15-$suite
env_file=.docker-images.env

say() { printf 'docker-base-images: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }
has_image() { [ -z "${FORCE:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }

# Root is needed only to install and run debootstrap.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

command -v docker >/dev/null || die "docker is not installed"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running, may this user use it?)"
command -v go >/dev/null || die "go is not installed: the Go image copies this machine's toolchain"
go_root=$(go env GOROOT)
go_version=$(go env GOVERSION) # go1.26.8
go_tag=platform-local/golang:${go_version#go}-$suite

work=$(mktemp -d)
cleanup() { rm -rf "$work" 2>/dev/null || "${as_root[@]}" rm -rf "$work"; }
trap cleanup EXIT

# BuildKit: the docker CLI of Debian 12 (20.10) has it built in; CLIs from
# 23 on hand builds to the buildx plugin and fail without it.
ensure_buildkit() {
	if docker buildx version >/dev/null 2>&1; then
		return
	fi
	local client
	client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
	if [ "${client%%.*}" -lt 23 ] 2>/dev/null; then
		return
	fi
	local plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
	say "docker CLI $client has no buildx plugin: building github.com/docker/buildx $buildx_version (a few minutes, once)"
	GOBIN="$work/bin" go install "github.com/docker/buildx/cmd/buildx@$buildx_version" ||
		die "could not build buildx; install Docker's buildx plugin another way"
	mkdir -p "$plugins"
	install -m 0755 "$work/bin/buildx" "$plugins/docker-buildx"
	docker buildx version >/dev/null || die "buildx installed in $plugins but docker does not load it"
	say "buildx installed as $plugins/docker-buildx"
}

# The mirror this machine's apt uses for Debian's main archive, if any.
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ && !/security/ {print $2; exit} /^deb / && !/security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f"
		return
	done
}

build_base() {
	if has_image "$base_tag"; then
		say "$base_tag exists"
		return
	fi
	[ ${#as_root[@]} -eq 0 ] || command -v sudo >/dev/null || die "building $base_tag needs root (or sudo) for debootstrap"
	command -v debootstrap >/dev/null || {
		say "installing debootstrap"
		"${as_root[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
	}
	local mirror=${DEBIAN_MIRROR:-$(host_mirror)} rootfs=$work/rootfs
	say "debootstrap --variant=minbase $suite ${mirror:-(default mirror)} (about a minute)"
	"${as_root[@]}" debootstrap --variant=minbase "$suite" "$rootfs" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 || {
		tail -20 "$work/debootstrap.log" >&2
		die "debootstrap failed (log above)"
	}
	# Security updates too, when this machine runs the same release: the
	# images built from this one upgrade before they install.
	if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -q "^Suites:.*\b$suite-security\b" /etc/apt/sources.list.d/debian.sources; then
		"${as_root[@]}" cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
		"${as_root[@]}" rm -f "$rootfs/etc/apt/sources.list"
	fi
	"${as_root[@]}" rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	"${as_root[@]}" tar -C "$rootfs" -c . |
		docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'CMD ["bash"]' - "$base_tag" >/dev/null
	say "built $base_tag"
}

# The Go image mirrors golang:1.26-bookworm where the Dockerfiles rely on
# it: Go in /usr/local/go, GOPATH=/go, git and CA certificates.
build_go() {
	if has_image "$go_tag"; then
		say "$go_tag exists"
		return
	fi
	mkdir -p "$work/go/build-ca"
	# The CAs this machine added to its own trust (Debian's
	# /usr/local/share/ca-certificates, e.g. a TLS-intercepting proxy's)
	# let go and git in the image reach the module proxy as the machine
	# does. They go into a bundle of their own that only the build tools
	# read (SSL_CERT_FILE, GIT_SSL_CAINFO): /etc/ssl/certs/ca-certificates.crt,
	# which the Dockerfiles copy into the runtime images, stays Debian's.
	if [ -d /usr/local/share/ca-certificates ]; then
		find /usr/local/share/ca-certificates -name '*.crt' -type f -exec cp {} "$work/go/build-ca/" ';'
	fi
	cat >"$work/go/Dockerfile" <<EOF
FROM $base_tag
RUN apt-get update && apt-get -y upgrade && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git && rm -rf /var/lib/apt/lists/*
COPY build-ca /usr/local/share/build-ca-certificates
RUN cat /etc/ssl/certs/ca-certificates.crt /usr/local/share/build-ca-certificates/*.crt >/etc/ssl/certs/build-ca-certificates.crt 2>/dev/null || cp /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/build-ca-certificates.crt
COPY go /usr/local/go
ENV GOLANG_VERSION=${go_version#go} GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    SSL_CERT_FILE=/etc/ssl/certs/build-ca-certificates.crt GIT_SSL_CAINFO=/etc/ssl/certs/build-ca-certificates.crt
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
EOF
	say "building $go_tag from $go_root, with $(find "$work/go/build-ca" -type f | wc -l) local CA certificate(s) for its build tools"
	# The context is the Dockerfile, the CAs and the toolchain, as a tar.
	tar -c -C "$work/go" Dockerfile build-ca -C "$(dirname "$go_root")" --transform "s,^$(basename "$go_root"),go," "$(basename "$go_root")" |
		DOCKER_BUILDKIT=0 docker build -q -t "$go_tag" - >/dev/null 2>"$work/go.log" || {
		cat "$work/go.log" >&2
		die "building $go_tag failed"
	}
	say "built $go_tag"
}

build_postgres() {
	if has_image "$pg_tag"; then
		say "$pg_tag exists"
		return
	fi
	mkdir -p "$work/pg"
	cat >"$work/pg/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
# No cluster at install time: the entrypoint creates one in the volume.
RUN mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update && apt-get -y upgrade \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
RUN mkdir -p "$PGDATA" /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 700 "$PGDATA"
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# Fast shutdown: the official image's choice too.
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
EOF
	cat >"$work/pg/docker-entrypoint.sh" <<'EOF'
#!/bin/bash
# Starts PostgreSQL like the official image does for the variables this
# project uses: on first start (an empty $PGDATA) initdb with POSTGRES_USER
# (default postgres) and POSTGRES_PASSWORD (required), SCRAM for every TCP
# client, then POSTGRES_DB (default: the user's name) is created. Listens
# on every address. Other commands (bash, psql) run as given.
set -euo pipefail
[ "${1:-postgres}" = postgres ] && [ $# -gt 0 ] && shift
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
	user=${POSTGRES_USER:-postgres}
	db=${POSTGRES_DB:-$user}
	initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
		--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
	# Local socket only while setting up, so nothing connects too early.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
	if [ "$db" != postgres ]; then
		psql -q -v ON_ERROR_STOP=1 -U "$user" -d postgres --set db="$db" <<<'CREATE DATABASE :"db";'
	fi
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo "docker-entrypoint: initialised $PGDATA (user $user, database $db)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
	chmod 0755 "$work/pg/docker-entrypoint.sh"
	say "building $pg_tag"
	DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$base_tag" -t "$pg_tag" "$work/pg" >/dev/null 2>"$work/pg.log" || {
		cat "$work/pg.log" >&2
		die "building $pg_tag failed"
	}
	say "built $pg_tag"
}

ensure_buildkit
build_base
build_go
build_postgres

cat >"$env_file" <<EOF
# Written by scripts/docker-base-images.sh: base images built from Debian's
# packages on this machine, for the Dockerfiles and compose files.
DEBIAN_IMAGE=$base_tag
GO_IMAGE=$go_tag
RUNTIME_IMAGE=scratch
POSTGRES_IMAGE=$pg_tag
DOCKER_BUILDKIT=1
COMPOSE_DOCKER_CLI_BUILD=1
EOF
say "wrote $env_file"
sed -n 's/^\([A-Z_]*=.*\)/export \1/p' "$env_file"
