# syntax=docker/dockerfile:1
# api-security-review: the Probot app (webhook server) in a small, non-root image.
#   docker build -t api-security-review .
#   docker run --init --env-file .env -p 3000:3000 api-security-review

ARG NODE_IMAGE=node:20-slim

# ---- build: full install (TypeScript is a dev dependency), compile to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY checks ./checks
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM ${NODE_IMAGE} AS runtime
# NODE_ENV=production: Probot logs JSON, and refuses to start without APP_ID and
# a private key instead of entering its setup flow (which would write .env).
# HOST: Probot's run() listens on localhost by default, unreachable through
# `-p 3000:3000`; inside a container the server must listen on every interface.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# app.yml: the app manifest (permissions, events); Probot's setup flow reads it outside production.
COPY app.yml ./
# bin/: the CLI entry, so the same image can run `node bin/api-security-review.js scan ...`.
COPY bin ./bin
# Files stay root-owned: the app reads them but the node user cannot change them.
USER node
EXPOSE 3000
# GET /healthz (src/lifecycle/healthz.ts): 200 while the app takes webhooks, 503 once it
# is shutting down. Slim images have no curl; node has fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop's signal) makes the app stop taking webhooks and finish the reviews
# it accepted, for at most SHUTDOWN_TIMEOUT_MS (25 s): give it that long, `docker stop -t 30`.
STOPSIGNAL SIGTERM
# Not `npm start`: package.json's "prestart" runs `npm run build`, which needs
# the dev dependencies this stage does not install, and npm would also sit
# between the container's signals and node. Run the compiled server directly
# (node as PID 1 gets SIGTERM because the app handles it; `docker run --init` also reaps
# child processes, which the app does not start).
CMD ["node", "dist/src/server.js"]
