# Frontdesk gateway image: the compiled build (dist/) on Node 20, its store on the /data volume.
# This image has not been built here (no container engine on the development machines); its steps
# are checked by scripts/check-docker-steps.sh, which runs the same commands in a clean directory
# as a non-root user and starts the gateway.
#
# Build stage: better-sqlite3 compiles from source (python3, make, g++), then tsc compiles src/ to
# dist/, then the dev dependencies and the TypeScript sources are dropped.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --foreground-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && rm -rf src test bench

FROM node:20-bookworm-slim
WORKDIR /app
# The store on the volume (FRONTDESK_DB overrides store.path); listen on every interface inside the
# container (the sample configuration binds 127.0.0.1, unreachable from outside it).
ENV NODE_ENV=production \
    FRONTDESK_DB=/data/frontdesk.db \
    FRONTDESK_HTTP_HOST=0.0.0.0 \
    FRONTDESK_MLLP_HOST=0.0.0.0
# The application stays owned by root (the gateway cannot change its own code); the store is
# written by the unprivileged `node` user (uid 1000 in the base image).
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# MLLP ports of the sample configuration (registration, scheduling, lab-results, charges) and HTTP.
EXPOSE 2575 2576 2577 2578 8080
CMD ["node", "dist/main.js"]
