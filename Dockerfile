# syntax=docker/dockerfile:1

# Build: compile TypeScript to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` runs tsc, and the sources are not copied yet.
# (No dependency needs an install script; DuckDB ships prebuilt bindings.)
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies and the compiled code only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# The shipped example, so the default command runs as is. Mount your own
# read-only over them: -v ./config:/app/config:ro -v ./baselines:/app/baselines:ro
# (bind mounts, not VOLUMEs, which would leave an anonymous volume per run).
COPY config ./config
COPY baselines ./baselines
COPY examples ./examples
# DuckDB spills to .tmp/ in the working directory; the rest stays read-only.
RUN mkdir .tmp && chown node:node .tmp

# The `node` user (uid 1000) comes with the base image.
USER node
EXPOSE 9109
# No curl in slim images; Node 20 has fetch. Follows the default --listen port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9109/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve", "--config", "config/example.yaml", "--listen", "0.0.0.0:9109"]
