# Herald image: one image, four commands (all-in-one by default; migrate, ingest, delivery, admin in
# docker-compose.yml). test/deploy/dockerfile.e2e-spec.ts follows this file step by step: keep to COPY,
# RUN, ENV, WORKDIR (no ADD, no heredocs) so that it still can.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# npm ci runs the root postinstall (scripts/lock-platform-stubs.mjs, see README "Notes for developers").
COPY package.json package-lock.json ./
COPY scripts/lock-platform-stubs.mjs scripts/
RUN npm ci --no-audit --no-fund
# npm run build: tsc and tsc-alias (the tsconfigs), then esbuild bundles the admin UI (apps/admin/ui) into
# dist/ui (scripts/build-ui.mjs). The UI's packages (preact, uplot, esbuild) are build-time only, so the prune
# leaves production dependencies alone. typescript survives the prune as an optional peer of @nestjs/swagger
# (for its compile-time plugin, unused here): 23 MB removed by hand (--omit=optional would also drop
# msgpackr-extract, bullmq's native msgpack).
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-ui.mjs scripts/
COPY apps apps
COPY libs libs
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver

FROM node:20-bookworm-slim
# tini is PID 1: it forwards SIGTERM to node and reaps zombies. Node itself as PID 1 would not do: the kernel
# drops signals PID 1 has no handler for, and Nest's shutdown ends by re-raising SIGTERM on itself (after
# removing its handler), so the process would linger until its event loop drained, or until SIGKILL.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HERALD_LOG_FORMAT=json
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8071
VOLUME /app/data
# Liveness (the process answers), not readiness: orchestrators that act on Docker's health (Swarm) replace an
# unhealthy container, and a restart cures no Redis or database outage. docker-compose.yml asks readiness instead.
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HERALD_PORT||8071)+'/api/v1/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["tini", "--"]
# The command of `npm run start:all-in-one`, without npm: the shell only expands HERALD_MAX_HEAP_MB, then
# exec hands its process to node, so tini signals node itself. docker-compose.yml's commands do the same.
CMD ["sh", "-c", "exec node --max-old-space-size=${HERALD_MAX_HEAP_MB:-512} --max-semi-space-size=8 dist/apps/all-in-one/src/main.js"]
