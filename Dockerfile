# One image with every binary: the runtime (reflex, orchestrator, arm) and the harness
# (octoperf), with the scenarios and budget tables, as deploy/kubernetes/ runs them.
#   docker build -t octoperf:dev .
# Stage 1 builds in the Rust image; stage 2 is a slim Debian with the binaries alone.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
        -p reflex -p orchestrator -p arms -p harness \
    && mkdir /out \
    && cp target/release/reflex target/release/orchestrator target/release/arm \
          target/release/octoperf /out/

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
WORKDIR /opt/octoperf
COPY scenarios/ scenarios/
# Not root; the manifests say so too (runAsNonRoot).
USER 65532:65532
ENV HOME=/tmp
CMD ["octoperf", "--help"]
