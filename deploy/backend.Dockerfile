# syntax=docker/dockerfile:1.7
# The FinOps Live server (and, as a second target, the load-test CLI).
#   docker build -f deploy/backend.Dockerfile -t finops-backend .
#   docker build -f deploy/backend.Dockerfile --target load-test -t finops-load-test .

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the registry and compiled dependencies between builds,
# so a code change rebuilds only the workspace crates. The release profile
# keeps line tables for profiling; the image does not need them (76 → 10 MB).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    bash deploy/build-backend.sh \
 && mkdir -p /out /out/data \
 && cp target/release/backend target/release/load-test /out/ \
 && strip /out/backend /out/load-test


# distroless/cc: glibc and libgcc only, no shell; "nonroot" runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot AS backend
COPY --from=build /out/backend /usr/local/bin/backend
# The database lives here; mount a volume on it to keep it across containers.
COPY --from=build --chown=65532:65532 /out/data /data
ENV FINOPS_BIND=0.0.0.0 \
    FINOPS_PORT=8080 \
    FINOPS_WEB_DIR=/nonexistent \
    FINOPS_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# No curl in a distroless image: the binary asks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/backend", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/backend"]

FROM gcr.io/distroless/cc-debian12:nonroot AS load-test
COPY --from=build /out/load-test /usr/local/bin/load-test
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/load-test"]
