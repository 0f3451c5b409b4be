# syntax=docker/dockerfile:1
# netstat-otel: host network state as OpenTelemetry metrics and alerts.
#
#   docker build -t netstat-otel .
#   docker run -d --name netstat-otel --network host --pid host --read-only \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro \
#     -e OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 netstat-otel
#
# Runs as an unprivileged user by default: sockets, interfaces, routes and counters are all
# read, but sockets of other users' processes have pid null. For full process attribution run
# as root with only the two capabilities it needs (docs/deployment.md, "Docker"):
#   --user 0 --cap-drop ALL --cap-add DAC_READ_SEARCH --cap-add SYS_PTRACE \
#   --security-opt no-new-privileges
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile the TypeScript.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and src/ is not here yet (copied after, so a source change
# does not invalidate the dependency layer); the package's own `install` (the addon) runs in the
# native stage. No dependency has an install script.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- native: the optional N-API addon (netlink sock_diag, /proc/<pid>/fd walk), built by the
# package's own `install` script with node-gyp (bundled with npm) against the image's Node
# headers, so nothing is downloaded. A failed build is not fatal: the script says so and the
# directory stays empty; the sidecar then reads /proc/net and walks fds with node:fs instead
# (same data, slower; it says so once on stderr).
FROM ${NODE_IMAGE} AS native
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV npm_config_nodedir=/usr/local
COPY package.json binding.gyp ./
COPY native ./native
RUN npm run install && mkdir -p build/Release && rm -rf build/Release/obj.target build/Release/.deps

# --- deps: production dependencies only (no TypeScript, vitest, fast-check in the image).
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime. Nothing from iproute2 or net-tools is needed: everything is read from procfs/sysfs.
FROM ${NODE_IMAGE} AS runtime
# Memory options as in deploy/systemd/netstat-otel.service (see the comment there); the Node
# options are on ENTRYPOINT's node command line.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /opt/netstat-otel
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The addon where dist/netlink/addon.js looks for it (empty if the build failed: /proc fallback).
COPY --from=native /src/build/Release/ ./build/Release/
COPY package.json ./
COPY rules ./rules
# The package's bin, as `npm install -g` would link it (for `docker exec ... netstat-otel
# snapshot`); a fixed uid/gid so Kubernetes' runAsNonRoot can check it.
RUN chmod 0755 dist/cli.js \
  && ln -s /opt/netstat-otel/dist/cli.js /usr/local/bin/netstat-otel \
  && groupadd --system --gid 10001 netstat-otel \
  && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin netstat-otel
USER 10001:10001
ENTRYPOINT ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "--optimize-for-size", "/opt/netstat-otel/dist/cli.js"]
CMD ["run", "--procfs", "/host/proc", "--sysfs", "/host/sys"]
