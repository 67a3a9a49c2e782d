#!/bin/sh
# Prepares .image/app for `--build-arg APP_STAGE=app-prebuilt`: this checkout's built packages
# (run `npm run build` first) and its node_modules without dev dependencies, for image builds on a
# machine that cannot reach the npm registry. The native module (better-sqlite3) must have been
# built for the same CPU and C library as the image's base (the local base uses this machine's).
set -eu
cd "$(dirname "$0")/../.."
test -f packages/cli/dist/main.js || { echo "build first: npm run build" >&2; exit 1; }
rm -rf .image/app && mkdir -p .image/app
cp package.json package-lock.json .image/app/
for p in sdk scanner server cli; do
  mkdir -p ".image/app/packages/$p"
  cp "packages/$p/package.json" ".image/app/packages/$p/"
  cp -a "packages/$p/dist" ".image/app/packages/$p/dist"
  find ".image/app/packages/$p/dist" -name '*.test.*' -delete
done
cp -a packages/cli/bin .image/app/packages/cli/bin
cp -a node_modules .image/app/node_modules
(cd .image/app && npm prune --omit=dev --offline --no-audit --no-fund >/dev/null)
rm -rf .image/app/node_modules/.cache .image/app/node_modules/.vite
du -sh .image/app
