#!/bin/sh
# Regenerates deploy/kubernetes/keyhaven.yaml (plain manifests, namespace "keyhaven") from the Helm
# chart with its default values. A test checks the two agree.
set -eu
cd "$(dirname "$0")/../.."
HELM="$(command -v helm || deploy/helm/fetch-helm.sh)"
{
  echo "# Keyhaven as plain Kubernetes manifests (namespace keyhaven), rendered from deploy/helm/keyhaven"
  echo "# with its default values by deploy/kubernetes/render.sh. Create the two Secrets first (values.yaml)."
  "$HELM" template keyhaven deploy/helm/keyhaven --namespace keyhaven
} > deploy/kubernetes/keyhaven.yaml
