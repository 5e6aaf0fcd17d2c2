# syntax=docker/dockerfile:1

# Build: compile TypeScript to dist/, and bundle the CLI into dist/cli/.
# Node 22 LTS, pinned to a patch release (Node 20 reached end of life on 2026-04-30).
FROM node:22.22.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` runs tsc, and the sources are not copied yet.
# (No dependency needs an install script; DuckDB ships prebuilt bindings.)
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
# What the build runs after tsc: the help pages it renders, and the bundle the CLI runs (dist/cli).
COPY scripts/write-help.mjs scripts/bundle.mjs ./scripts/
RUN npm run build

# Runtime: production dependencies and the compiled code only.
FROM node:22.22.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# DuckDB's object-storage extensions, installed now into a directory baked into
# the image: a run never downloads one. Configs reading s3://, gs://, az://...
# set `duckdb: { extension_directory: /app/duckdb-extensions }`.
RUN node -e "require('@duckdb/node-api').DuckDBInstance.create(':memory:').then((db) => db.connect()).then(async (c) => { await c.run(\"SET extension_directory = '/app/duckdb-extensions'\"); for (const e of ['httpfs', 'aws', 'azure']) { await c.run('INSTALL ' + e); await c.run('LOAD ' + e); } })" \
  && ls /app/duckdb-extensions/*/*/httpfs.duckdb_extension
# The shipped example, so the default command runs as is. Mount your own
# read-only over them: -v ./config:/app/config:ro -v ./baselines:/app/baselines:ro
# (bind mounts, not VOLUMEs, which would leave an anonymous volume per run).
COPY config ./config
COPY baselines ./baselines
COPY examples ./examples
# DuckDB spills to .tmp/ in the working directory; run/ (private to the
# exporter's user) holds the health socket; the rest stays read-only.
RUN mkdir .tmp && mkdir -m 0700 run && chown node:node .tmp run
# `serve` also answers /healthz on this socket, whatever --listen, TLS or basic auth say.
ENV DRIFT_EXPORTER_HEALTH_SOCKET=/app/run/health.sock

# The `node` user (uid 1000) comes with the base image.
USER node
EXPOSE 9109
# No curl in slim images: node asks the health socket, plain HTTP without auth,
# so the check holds with TLS, basic auth or another --listen.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('node:http').get({ socketPath: process.env.DRIFT_EXPORTER_HEALTH_SOCKET, path: '/healthz', timeout: 4000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "--initial-old-space-size=64", "dist/cli/main.js"]
CMD ["serve", "--config", "config/example.yaml", "--listen", "0.0.0.0:9109"]
