# syntax=docker/dockerfile:1
#
# PhishNet: one image for every role; the command picks it.
#   docker run IMAGE                                   start: API, scheduler and the worker supervisor
#   docker run IMAGE api | scheduler
#   docker run IMAGE worker --queues realtime --concurrency 4
# The image carries no redis-server: set REDIS_URL. See docs/production.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dependencies with dev tools, TypeScript to dist/, then production dependencies only
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so that a change of source does not install them again.
COPY package.json package-lock.json ./
# No scripts yet: `prepare` builds, and the source is not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# What `prepare` runs: the server (tsc) and the web app (vite) into dist/.
RUN npm run build \
 && rm -rf dist/bench dist/scripts dist/test \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Node, tini, the built code and production dependencies; runs as `node`
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it passes SIGTERM on to Node (which drains jobs before exiting) and reaps
# the sandbox's child processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
# Owned by root and read-only to the `node` user: the process cannot change its own code.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
USER node
EXPOSE 8000
# One check for every role (`phishnet healthcheck` reads the role from PID 1's command):
# the API's /healthz, a worker's heartbeat in Redis, the scheduler's periodic jobs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/cli/main.js", "healthcheck"]
ENTRYPOINT ["tini", "--", "node", "dist/src/cli/main.js"]
CMD ["start"]
