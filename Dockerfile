# syntax=docker/dockerfile:1
# Keyhaven server image. Multi-stage: the app is built (npm ci, tsc, production dependencies only) in
# one stage and copied into a runtime stage that runs as a non-root user, keeps all state under the
# volume /var/lib/keyhaven, works with a read-only root file system, reaps and forwards signals
# through tini, and reports health from /health/ready.
#
#   docker build -t keyhaven .                       # from a registry (node:20-bookworm-slim)
#   podman build --build-arg BASE_IMAGE=localhost/keyhaven-base:bookworm \
#                --build-arg APP_STAGE=app-prebuilt -t keyhaven .   # offline (docs/operations.md)
#
# Secrets are never baked in: pass KEYHAVEN_MASTER_KEY_FILE / KEYHAVEN_DATABASE_URL_FILE pointing at
# mounted files (compose/Kubernetes secrets) or a KMS source (KEYHAVEN_MASTER_KEY_SOURCE).

ARG BASE_IMAGE=docker.io/library/node:20-bookworm-slim
# app-from-source (default) builds from the sources; app-prebuilt takes a tree prepared on the host
# by deploy/container/prepare-prebuilt.sh (for machines without registry access).
ARG APP_STAGE=app-from-source

FROM ${BASE_IMAGE} AS app-from-source
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/sdk/package.json packages/sdk/
COPY packages/scanner/package.json packages/scanner/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
RUN npm ci --no-audit --no-fund
COPY packages/ packages/
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find packages -depth -type d \( -name src -o -name test \) -prune -exec rm -rf {} + \
 && rm -rf node_modules/.cache

FROM ${BASE_IMAGE} AS app-prebuilt
COPY .image/app/ /src/

FROM ${APP_STAGE} AS app

FROM ${BASE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to the server (a graceful shutdown, exit 0) and reaps zombies.
# The local base image already has it; the public one gets it from Debian. The user is written
# into /etc/passwd directly so minimal bases without useradd work too.
RUN command -v tini >/dev/null || (apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*) \
 && (grep -q '^keyhaven:' /etc/group || echo 'keyhaven:x:10001:' >> /etc/group) \
 && (grep -q '^keyhaven:' /etc/passwd || echo 'keyhaven:x:10001:10001:Keyhaven:/var/lib/keyhaven:/usr/sbin/nologin' >> /etc/passwd) \
 && mkdir -p /var/lib/keyhaven && chown keyhaven:keyhaven /var/lib/keyhaven && chmod 0700 /var/lib/keyhaven
COPY --from=app --chown=root:root /src /opt/keyhaven
ENV NODE_ENV=production \
    KEYHAVEN_LISTEN=0.0.0.0:8377 \
    KEYHAVEN_DATA_DIR=/var/lib/keyhaven
WORKDIR /var/lib/keyhaven
USER 10001:10001
VOLUME ["/var/lib/keyhaven"]
EXPOSE 8377
# Ready = database reachable, keyring open, migrations done, audit sink accepting. Uses Node (no curl
# in the image); the probe reads no secret and needs no token.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.KEYHAVEN_LISTEN||'0.0.0.0:8377').split(':').pop()+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "/opt/keyhaven/packages/cli/dist/main.js"]
CMD ["server"]
