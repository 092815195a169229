# Frontdesk gateway image. Node 20 on Debian; better-sqlite3 compiles from source, so the
# build stage has python3, make and g++. The store lives in /data (mount a volume there).
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production FRONTDESK_DATA_DIR=/data
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# MLLP and HTTP ports of the sample configuration (examples/config).
EXPOSE 2575 8080
CMD ["node", "--import", "tsx", "src/main.ts"]
