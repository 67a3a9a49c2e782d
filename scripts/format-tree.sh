#!/usr/bin/env bash
# Reformats the whole workspace with Prettier, in one commit of its own (run once, by the integrator,
# after every branch is merged; later, `npm run format` before committing keeps it that way).
# Checks that formatting changed no behaviour the tests can see before committing: the build, the
# lint, the generated docs (byte-compared by test/structure) and the scanner's tests (byte-sensitive
# corpora are in .prettierignore; these tests prove it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "$(git status --porcelain)" ]; then echo "format-tree: the work tree has changes; commit or stash them first" >&2; exit 1; fi
npx prettier --write . --log-level warn
npm run build
npm run lint
npx vitest run test/structure packages/scanner
git add -A
git commit -m "Format the tree with Prettier (npm run format; no other change)"
echo "format-tree: committed $(git rev-parse --short HEAD); uncomment 'npm run format:check' in .ci/run"
