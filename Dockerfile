# syntax=docker/dockerfile:1
#
# The one image every Sinew component runs: the control plane's components
# (`sinew control-plane --components ...`), and, once they exist, the injected sidecars
# (`sinew proxy`, `sinew proxy-init`). Its entrypoint is the `sinew` program; Kubernetes `args`
# name the subcommand.
#
#   docker build -t ghcr.io/sinew-mesh/sinew:v$(node -p "require('./package.json').version") .

# Build: compile the TypeScript (the "prepare" script runs the build on `npm ci`), then keep only
# the production dependencies. The full node image has the toolchain lmdb's native addon falls
# back to when no prebuilt binary fits.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY proto ./proto
COPY src ./src
RUN npm ci && npm prune --omit=dev

# Run: Node 20 on Debian slim (glibc, which lmdb's prebuilt binaries need), iptables for
# proxy-init, and only what the program reads at run time.
FROM node:20-bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY bin ./bin
COPY proto ./proto
COPY manifests ./manifests
# `sinew` on the PATH too, for exec hooks such as `sinew proxy-await`.
RUN chmod 0755 /app/bin/sinew.js && ln -s /app/bin/sinew.js /usr/local/bin/sinew
# The control plane's user (Linkerd's controllerUID); pods set it again in their securityContext.
USER 2103:2103
ENTRYPOINT ["node", "/app/bin/sinew.js"]
