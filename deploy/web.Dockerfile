# syntax=docker/dockerfile:1.7
# The FinOps Live web client, served by Caddy with precompressed assets and
# /api, /ws, /healthz, /metrics proxied to the backend.
#   docker build -f deploy/web.Dockerfile -t finops-web .

FROM rust:1.95-slim-bookworm AS build
# web/build.sh needs npm (for wasm-opt) and installs the rest itself;
# gzip and brotli precompress what Caddy serves. Versions are bookworm's
# current ones: pinning would break on every Debian security update.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm brotli \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    --mount=type=cache,target=/src/.tools \
    bash web/build.sh \
 && cp -r web/dist /dist \
 && find /dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
      -exec gzip -9 -k {} \; -exec brotli -q 11 -k {} \;

FROM caddy:2.8-alpine AS web
RUN addgroup -S -g 10001 web && adduser -S -u 10001 -G web web \
 && mkdir -p /data /config && chown -R 10001:10001 /data /config
COPY deploy/Caddyfile /etc/caddy/Caddyfile
COPY --from=build /dist /srv
ENV WEB_PORT=8080 \
    BACKEND_ADDR=backend:8080
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "--spider", "http://127.0.0.1:8080/index.html"]
