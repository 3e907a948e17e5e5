# syntax=docker/dockerfile:1
#
# The one image every Sinew component runs: the control plane's components
# (`sinew control-plane --components ...`), the injected sidecars (`sinew proxy`, `sinew proxy-init`)
# and the viz extension's components. Its entrypoint is the `sinew` program; Kubernetes `args`
# name the subcommand.
#
#   docker build -t ghcr.io/sinew-mesh/sinew:v$(node -p "require('./package.json').version") .

# Build: compile the TypeScript (the "prepare" script runs the build on `npm ci`) and the proxy's
# SO_ORIGINAL_DST addon (the "install" script runs node-gyp), then keep only the production
# dependencies. The full node image has the toolchain (python3, make, g++) both need.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json binding.gyp ./
COPY native ./native
COPY scripts ./scripts
COPY proto ./proto
COPY src ./src
RUN npm ci && npm prune --omit=dev

# Run: Node 20 on Debian slim (glibc, which lmdb's prebuilt binaries need), iptables for
# proxy-init, and only what the program reads at run time. proxy-init runs as an unprivileged user
# with only NET_ADMIN and NET_RAW (see the injected securityContext): the iptables programs carry
# those file capabilities so that user can run them, as in Linkerd's proxy-init image.
FROM node:20-bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables libcap2-bin \
    && setcap cap_net_raw,cap_net_admin+eip /usr/sbin/xtables-legacy-multi \
    && setcap cap_net_raw,cap_net_admin+eip /usr/sbin/xtables-nft-multi \
    && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# The dashboard's page files (plain HTML, CSS and JS; tsc does not copy them).
COPY src/viz/dashboard/assets ./dist/src/viz/dashboard/assets
COPY --from=build /src/build/Release/original_dst.node ./build/Release/original_dst.node
COPY bin ./bin
COPY proto ./proto
COPY manifests ./manifests
# `sinew` on the PATH too, for exec hooks such as `sinew proxy-await`.
RUN chmod 0755 /app/bin/sinew.js && ln -s /app/bin/sinew.js /usr/local/bin/sinew
# The control plane's user (Linkerd's controllerUID); pods set it again in their securityContext.
USER 2103:2103
ENTRYPOINT ["node", "/app/bin/sinew.js"]
