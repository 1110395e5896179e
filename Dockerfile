# Container image for guardian-server, the Titanium Guardian remote API server.
#
#   docker build -t titanium-guardian/guardian-server .
#   docker compose up -d            (see docker-compose.yml and docs/deployment.md)
#
# Three stages:
#   skeleton  the workspace manifests plus a one-line stub for every .rs file
#   builder   compiles the dependencies against the skeleton (a cached layer that only
#             changes when a manifest, Cargo.lock or the set of source files changes),
#             then compiles the real sources
#   runtime   debian:bookworm-slim with the binary, a non-root user and /data
#
# The Rust image and the runtime image use the same Debian release, so the binary is
# linked against the glibc it will run with. SQLite is compiled into the binary
# (rusqlite "bundled"); the C compiler that needs is in the rust image and stays there.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS skeleton
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates/ crates/
# Keep every Cargo.toml; replace every .rs file with a stub that compiles as a crate
# root (lib, bin, bench, test or build script alike) and drop all other files. Cargo
# still sees every declared target, and the stubs are byte-identical from one source
# edit to the next, so the COPY --from below stays cached until a manifest, the lock
# file, or the list of .rs files changes. Docker's COPY cache compares file contents,
# not modification times.
RUN find crates -type f ! -name Cargo.toml ! -name '*.rs' -delete \
 && find crates -type f -name '*.rs' -exec sh -c \
        'for f do printf "#![allow(warnings)]\nfn main() { }\n" > "$f"; done' sh {} +

# ---------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
WORKDIR /src
ENV CARGO_TERM_COLOR=never

# 1. Dependencies only: every crates.io dependency of guardian-server is downloaded and
#    compiled here; the workspace crates are compiled as stubs.
COPY --from=skeleton /src/ ./
RUN cargo build --release --locked -p guardian-server

# 2. The real sources. COPY can keep the files' original modification times, which may
#    be older than the stub build above; touching them makes Cargo rebuild the workspace
#    crates instead of keeping the stub objects.
COPY crates/ crates/
RUN find crates -type f -name '*.rs' -exec touch {} + \
 && cargo build --release --locked -p guardian-server \
 && install -D -m 0755 target/release/guardian-server /out/guardian-server

# ---------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# Health check: the image gets no curl or wget. deploy/docker-healthcheck.sh sends
# GET /health with bash's /dev/tcp and requires a 200 status; bash and coreutils are
# already part of debian:bookworm-slim, so nothing is installed for it and the image
# carries no general-purpose HTTP client an intruder could use. docker-compose.yml
# runs the same script.
COPY deploy/docker-healthcheck.sh /usr/local/bin/guardian-healthcheck

# ca-certificates is the only package added: it lets the server make outbound TLS
# connections should it ever need to. The binary itself needs only libc, libm and
# libgcc_s, all part of debian:bookworm-slim.
# The "guardian" user has a fixed UID/GID so that volume ownership is predictable.
ARG GUARDIAN_UID=10001
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid "${GUARDIAN_UID}" guardian \
 && useradd --system --uid "${GUARDIAN_UID}" --gid guardian \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin guardian \
 && install -d -o guardian -g guardian -m 0700 /data \
 && chmod 0755 /usr/local/bin/guardian-healthcheck

COPY --from=builder /out/guardian-server /usr/local/bin/guardian-server

# Container defaults. HOST=0.0.0.0 makes the server refuse to start unless API_KEY is
# set: pass API_KEY at run time (docker compose env_file, --env-file, or a secret store),
# never in this file. The database and its key file (guardian.db.key, created beside
# the database) both live on the /data volume.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/guardian.db \
    LOG_LEVEL=info \
    LOG_FORMAT=json

# The server reads a .env file from its working directory or a parent of it. "/" has
# none (and no parent), so the container takes its configuration from the environment.
WORKDIR /
VOLUME ["/data"]
USER ${GUARDIAN_UID}:${GUARDIAN_UID}
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/guardian-healthcheck"]

# The server shuts down gracefully on SIGTERM (the default stop signal, stated here
# for clarity). Exec form: the server is PID 1 and receives the signal directly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/guardian-server"]
