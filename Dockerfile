# syntax=docker/dockerfile:1
# ml-service image: compile TypeScript with the dev dependencies, run with production ones only.
# Debian (glibc), not Alpine: onnxruntime-node ships no musl binaries. Node 24 LTS on Debian 13
# (trixie), pinned to the exact patch tag. .ci/run runs the whole suite on the newest Node 24 too
# (bash scripts/install-runtimes.sh, from the npm registry): 24.22.3 when this tag was set.
ARG NODE_IMAGE=node:24.22.3-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's postinstall would download GPU providers; an npm before 11.19 runs it (newer
# ones run no script that package.json's allowScripts does not allow), so skip it whatever the
# image's npm.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-fund --no-audit && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded model(s): MODELS_DIR defaults to /app/models.
COPY models ./models
# The Open Inference Protocol's gRPC service definition, loaded at startup when GRPC_ENABLED=true
# (then publish GRPC_PORT, 8001 by default, as well).
COPY proto ./proto

# Defaults of the service (src/config); docker-compose.yml sets the stack's own values.
ENV PORT=8000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info \
    OTEL_SERVICE_NAME=ml-service \
    OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 \
    DRIFT_ENABLED=true \
    DRIFT_METHOD=tolerance \
    DRIFT_WINDOW_SIZE=1000 \
    DRIFT_INTERVAL_SECONDS=60 \
    DRIFT_MIN_ROWS=100

USER node
EXPOSE 8000

# No curl in the slim image: Node's own fetch probes liveness.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `npm start` without its prestart build: tracing is loaded before the server (see README).
CMD ["node", "--enable-source-maps", "--import", "./dist/telemetry/instrumentation.js", "dist/server.js"]
