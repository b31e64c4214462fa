#!/usr/bin/env bash
# Builds the Docker image and checks that a container of it answers the
# README's two curl examples, on a machine that cannot pull images.
#
# It runs a private Docker engine of its own (no bridge, no iptables rules,
# everything under one temporary folder) and builds the image's builder
# stage on a stand-in for golang:1.26-bookworm: a Debian minbase rootfs with
# this machine's Go. Everything it starts or makes is removed on exit,
# whether it passed or not. Needs root.
#
#   bash .ci/docker-smoke.sh
#
# Environment:
#   SMOKE_CACHE  where the debootstrap rootfs is kept between runs
#                (default /var/cache/interactions-docker-smoke; empty: none)
set -euo pipefail
# The checks run inside $(...); without this, a failure there goes unnoticed.
shopt -s inherit_errexit

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SMOKE_CACHE-/var/cache/interactions-docker-smoke}
suite=bookworm
# The mirror apt uses on these machines, which the network lets through.
mirror=http://deb.debian.org/debian

# The package's client: /usr/local/bin/docker, where present, has no BuildKit.
docker=/usr/bin/docker
dockerd=/usr/sbin/dockerd
# By path: a shell without /usr/sbin in PATH would not find it.
debootstrap=/usr/sbin/debootstrap
# The stand-in builder's PATH expects Go at this same place.
goroot=/usr/local/go
go=$goroot/bin/go

builder_image=local/go-builder
app_image=local/interactions-smoke
container=interactions-smoke-$$

started=$(date +%s)
last=$started

# step prints how long the step before it took and the time so far.
step() {
	local now
	now=$(date +%s)
	printf '[smoke %4ds, +%3ds] %s\n' "$((now - started))" "$((now - last))" "$*"
	last=$now
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

W=$(mktemp -d /tmp/docker-smoke.XXXXXX)
dockerd_pid=
made_policy=

# unmount_under unmounts, deepest first, whatever is still mounted below $W:
# a debootstrap that died leaves /proc and /sys mounted in its rootfs, and a
# dockerd that died leaves overlays, and rm -rf must not walk into either.
unmount_under() {
	local m
	awk -v w="$W" '$2 == w || index($2, w "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
}

# stop_pid stops one process this script started: TERM, then KILL when it
# has not gone after $2 seconds.
stop_pid() {
	local pid=$1 grace=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "smoke: pid $pid ignored TERM for ${grace}s, killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid containerd_pid
	set +e
	trap - EXIT INT TERM
	echo "smoke: cleaning up"

	if [ -n "$made_policy" ]; then
		rm -f /usr/sbin/policy-rc.d
	fi

	if [ -n "$dockerd_pid" ] && [ -S "$W/docker.sock" ]; then
		timeout 60 "$docker" rm -f -v "$container" >/dev/null 2>&1
		timeout 60 "$docker" image rm -f "$app_image" "$builder_image" >/dev/null 2>&1
		step "removed the container and images"
	fi

	# dockerd stops the containerd it started; read containerd's pid first
	# so that one left behind by a dockerd that had to be killed is ended.
	containerd_pid=$(cat "$W/exec/containerd/containerd.pid" 2>/dev/null)
	pid=$(cat "$W/docker.pid" 2>/dev/null)
	pid=${pid:-$dockerd_pid}
	if [ -n "$pid" ]; then
		stop_pid "$pid" 30
		# It is this shell's child only when started below, not when the
		# pidfile names another process.
		[ "$pid" = "$dockerd_pid" ] && wait "$pid" 2>/dev/null
	fi
	[ -n "$containerd_pid" ] && stop_pid "$containerd_pid" 10
	step "stopped dockerd"

	unmount_under
	rm -rf --one-file-system "$W"

	if [ "$rc" -eq 0 ]; then
		step "PASS, cleaned up"
	else
		step "FAILED (exit $rc), cleaned up"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || fail "must run as root (apt-get, dockerd, debootstrap)"
[ -x "$go" ] || fail "no Go at $goroot"

# --- tools ---------------------------------------------------------------
need=()
[ -x "$dockerd" ] && [ -x "$docker" ] || need+=(docker.io)
[ -x "$debootstrap" ] || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
if [ "${#need[@]}" -gt 0 ]; then
	step "installing ${need[*]}"
	# Without a policy the package would start the system's dockerd, with
	# its default bridge on a private-range address.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	if [ -n "$made_policy" ]; then
		rm -f /usr/sbin/policy-rc.d
		made_policy=
	fi
fi
dockerd_version=$("$dockerd" --version)
step "tools ready: $dockerd_version"

# --- private dockerd -----------------------------------------------------
mkdir -p "$W/root" "$W/exec"
"$dockerd" \
	--iptables=false --ip6tables=false --bridge=none \
	--storage-driver=overlay2 \
	--data-root="$W/root" --exec-root="$W/exec" \
	--pidfile="$W/docker.pid" \
	-H "unix://$W/docker.sock" \
	>"$W/dockerd.log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$W/docker.sock" DOCKER_BUILDKIT=1

for ((i = 0; i < 300; i++)); do
	"$docker" version >/dev/null 2>&1 && break
	kill -0 "$dockerd_pid" 2>/dev/null || { cat "$W/dockerd.log" >&2; fail "dockerd exited"; }
	sleep 0.1
done
"$docker" version >/dev/null 2>&1 || { tail -n 30 "$W/dockerd.log" >&2; fail "dockerd did not answer in 30s"; }
step "dockerd up (pid $dockerd_pid)"

# --- stand-in builder image ----------------------------------------------
# The rootfs tarball is cached; Go and the CA bundle are added fresh each
# run so that they always match this machine's.
rootfs_tar=
if [ -n "$cache" ]; then
	rootfs_tar=$cache/$suite-minbase.tar
fi
if [ -n "$rootfs_tar" ] && [ -s "$rootfs_tar" ]; then
	mkdir "$W/rootfs"
	if tar -C "$W/rootfs" -xf "$rootfs_tar"; then
		step "rootfs from cache $rootfs_tar"
	else
		echo "smoke: unreadable $rootfs_tar, making it again" >&2
		rm -rf --one-file-system "$rootfs_tar" "$W/rootfs"
	fi
fi
if [ ! -d "$W/rootfs" ]; then
	"$debootstrap" --variant=minbase "$suite" "$W/rootfs" "$mirror" >"$W/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$W/debootstrap.log" >&2; fail "debootstrap"; }
	# apt's downloaded .debs are no use to a build.
	rm -rf "$W/rootfs/var/cache/apt/archives/"*.deb
	step "debootstrap $suite minbase"
	if [ -n "$rootfs_tar" ]; then
		mkdir -p "$cache"
		# Written aside and renamed, so a run that dies mid-write leaves
		# no truncated tarball for the next one to trust.
		if tar -C "$W/rootfs" -cf "$rootfs_tar.$$" . && mv "$rootfs_tar.$$" "$rootfs_tar"; then
			step "rootfs cached in $rootfs_tar"
		else
			rm -f "$rootfs_tar.$$"
			echo "smoke: could not cache the rootfs; going on without" >&2
		fi
	fi
fi

mkdir -p "$W/rootfs/usr/local" "$W/rootfs/etc/ssl/certs"
# HTTPS from inside the build goes through an inspecting proxy whose CA
# only this machine's bundle has.
cp /etc/ssl/certs/ca-certificates.crt "$W/rootfs/etc/ssl/certs/"
# Go goes into the stream straight from this machine rather than through a
# copy on disk: it is most of the image.
tar -c -C "$W/rootfs" . -C / "${goroot#/}" |
	"$docker" import \
		-c 'ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'ENV GOTOOLCHAIN=local' \
		- "$builder_image" >/dev/null
rm -rf --one-file-system "$W/rootfs"
step "imported $builder_image with $("$go" version)"

# --- project image -------------------------------------------------------
# --network host: the engine has no bridge for the build's RUN steps.
"$docker" build \
	--network host \
	--build-arg GO_IMAGE="$builder_image" \
	--build-arg GOPROXY="$("$go" env GOPROXY)" \
	--build-arg GOSUMDB="$("$go" env GOSUMDB)" \
	--build-arg GOFLAGS="$("$go" env GOFLAGS)" \
	--progress plain \
	-t "$app_image" "$repo" >"$W/build.log" 2>&1 ||
	{ tail -n 40 "$W/build.log" >&2; fail "docker build"; }
step "built $app_image ($("$docker" image inspect -f '{{.Size}}' "$app_image") bytes)"

# --- run -----------------------------------------------------------------
# A free high port; bash's /dev/tcp connects only when something listens.
port=
for ((i = 0; i < 50; i++)); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || fail "no free port found"

# INTERACTIONS_HOST keeps the server on loopback: with the host's network
# it would otherwise listen on every interface of the machine.
"$docker" run -d --name "$container" --network host \
	-e PORT="$port" -e INTERACTIONS_HOST=127.0.0.1 \
	"$app_image" >/dev/null
base=http://127.0.0.1:$port

for ((i = 0; i < 150; i++)); do
	curl -fsS -o /dev/null "$base/interactions/ACC-001?limit=1" 2>/dev/null && break
	if [ "$("$docker" inspect -f '{{.State.Running}}' "$container")" != true ]; then
		"$docker" logs "$container" >&2
		fail "container exited"
	fi
	sleep 0.2
done
curl -fsS -o /dev/null "$base/interactions/ACC-001?limit=1" ||
	{ "$docker" logs "$container" >&2; fail "server did not answer on $base in 30s"; }
step "container serving on $base"

# --- checks --------------------------------------------------------------
# ids prints a page's ids joined by commas.
ids() { jq -r '[.items[].id] | map(tostring) | join(",")' <<<"$1"; }

# expect_ids fails unless the page at url lists exactly the ids in want.
expect_ids() {
	local url=$1 want=$2 body got
	body=$(curl -fsS "$url") || fail "GET $url"
	got=$(ids "$body") || fail "GET $url: not a page: $body"
	[ "$got" = "$want" ] || fail "GET $url: ids $got, want $want; body: $body"
	printf '%s' "$body"
}

first=$(expect_ids "$base/interactions/ACC-001?limit=2" 1,2)
next=$(jq -r '.next_cursor // empty' <<<"$first")
[ -n "$next" ] || fail "first page has no next_cursor: $first"
echo "page 1: ids $(ids "$first"), next_cursor $next"

second=$(expect_ids "$base/interactions/ACC-001?limit=2&cursor=eyJsYXN0X2lkIjoyfQ==" 3,4)
echo "README cursor page: ids $(ids "$second")"

# The cursor is opaque: follow the one the server gave, whatever it is.
followed=$(expect_ids "$base/interactions/ACC-001?limit=2&cursor=$(jq -rn --arg c "$next" '$c | @uri')" 3,4)
echo "followed next_cursor: ids $(ids "$followed")"

# The user the kernel runs the server as, not only what the image claims.
pid=$("$docker" inspect -f '{{.State.Pid}}' "$container")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
if [ -z "$uid" ] || [ "$uid" -eq 0 ]; then
	fail "server runs as uid ${uid:-unknown}"
fi
echo "server process $pid runs as uid $uid (image USER $("$docker" image inspect -f '{{.Config.User}}' "$app_image"))"

# The database was made in /data, so the volume is writable by that user;
# /tmp is where SQLite spills temporary files.
data=$("$docker" cp "$container:/data" - | tar -tvf -)
grep -q 'interactions\.db$' <<<"$data" || fail "no database in /data: $data"
tmp_mode=$("$docker" cp "$container:/tmp" - | tar -tvf - | awk '$NF == "tmp/" { print $1 }')
[ "$tmp_mode" = drwxrwxrwt ] || fail "/tmp is $tmp_mode, want drwxrwxrwt"
echo "/data holds the database; /tmp is $tmp_mode"
step "checks passed"
