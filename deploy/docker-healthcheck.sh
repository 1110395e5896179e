#!/bin/bash
# Health probe for the guardian-server container (Dockerfile HEALTHCHECK and the
# healthcheck in docker-compose.yml).
#
# Sends "GET /health" to the server over loopback and exits 0 only when the response
# status is 200. It needs nothing but bash (for its /dev/tcp redirection), which is
# part of debian:bookworm-slim, so the image carries no curl or wget. On failure it
# prints one line saying why; Docker keeps it in `docker inspect` (State.Health.Log).
#
# PORT is the server's own setting. HEALTHCHECK_HOST defaults to 127.0.0.1, which
# works when the server listens on 0.0.0.0 (the image default); set it if HOST names
# one specific address instead.
set -u

host="${HEALTHCHECK_HOST:-127.0.0.1}"
port="${PORT:-8000}"

# Connecting to a closed port fails at once; a server that accepts but never answers
# is cut off by read's timeout (and by the health check's own timeout).
if ! { exec 3<>"/dev/tcp/${host}/${port}"; } 2>/dev/null; then
    echo "unhealthy: cannot connect to ${host}:${port}"
    exit 1
fi
if ! printf 'GET /health HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$host" "$port" >&3 2>/dev/null; then
    echo "unhealthy: cannot send the request to ${host}:${port}"
    exit 1
fi
if ! IFS= read -r -t 4 status_line <&3; then
    echo "unhealthy: no answer from ${host}:${port} within 4 s"
    exit 1
fi
# Read the rest (headers and the small JSON body) until the server closes the
# connection, so the probe never resets a connection the server is still writing to.
while IFS= read -r -t 2 _ <&3; do :; done
exec 3<&-

# Status line: "HTTP/1.1 200 OK\r". Strip the CR and compare the status code.
status_line="${status_line%$'\r'}"
read -r _version status _reason <<<"$status_line"
if [ "${status:-}" != "200" ]; then
    echo "unhealthy: GET /health answered \"${status_line}\""
    exit 1
fi
