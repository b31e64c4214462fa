# The Interactions API as a static binary in an otherwise empty image.
#
#   docker build -t interactions-api .
#   docker run -p 8080:8080 interactions-api
#
# The database lives on the /data volume, so it outlives the container.

# The builder is an argument so that a machine that cannot pull images can
# pass a local image that has Go in /usr/local/go (see .ci/docker-smoke.sh).
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build

# Passed through so a build can use the same module proxy as its host.
ARG GOPROXY
ARG GOSUMDB
ARG GOFLAGS

# Fixed paths for the cache mounts below; a stand-in builder may set no
# GOPATH, and the defaults would then differ from one image to another.
ENV GOMODCACHE=/go/pkg/mod \
    GOCACHE=/root/.cache/go-build

WORKDIR /src

# Modules first, so an edit to the code does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
# modernc.org/sqlite is pure Go, so with cgo off the binary needs no libc
# and runs in scratch.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/interactions .

# scratch has no mkdir: the directories the server writes to are made here
# and copied over. SQLite puts its temporary files in /tmp, which must
# therefore exist and be writable by the unprivileged user. COPY keeps the
# mode of what a directory holds but not of the directory itself, so /tmp
# comes over inside a folder that stands for the root.
RUN mkdir -p /out/data /out/root/tmp && chmod 1777 /out/root/tmp

FROM scratch

COPY --from=build /out/interactions /interactions
COPY --from=build /out/root/ /
COPY --from=build --chown=65532:65532 /out/data /data

# Numeric, because scratch has no /etc/passwd to look a name up in.
USER 65532:65532

ENV INTERACTIONS_DB=/data/interactions.db
VOLUME /data
EXPOSE 8080

# No shell or curl in scratch: the binary checks itself, on the same PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/interactions", "healthcheck"]

ENTRYPOINT ["/interactions"]
