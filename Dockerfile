# syntax=docker/dockerfile:1
# provisio: multi-stage build. The build stage compiles a release binary with
# the locked dependency set; the runtime stage is Debian slim with CA
# certificates, running as an unprivileged user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Build the dependencies first, against placeholder sources, so that code
# changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
# The allocator's settings are compiled in (see .cargo/config.toml).
COPY .cargo .cargo
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src src
COPY migrations migrations
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/provisio --create-home provisio \
    && chmod 0700 /var/lib/provisio
COPY --from=build /src/target/release/provisio /usr/local/bin/provisio
USER provisio:provisio
WORKDIR /var/lib/provisio
ENV PROVISIO_LISTEN=0.0.0.0:8080 \
    PROVISIO_DATA_DIR=/var/lib/provisio \
    PROVISIO_LOG=json
EXPOSE 8080
VOLUME ["/var/lib/provisio"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["provisio", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["provisio"]
CMD ["serve"]
