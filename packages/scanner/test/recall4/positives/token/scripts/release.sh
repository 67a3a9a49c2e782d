#!/usr/bin/env bash
set -euo pipefail
export GITHUB_TOKEN=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
export GITLAB_TOKEN=glpat-Z9aLUD87_UES2t5F-_Qv
export NPM_TOKEN="${NPM_TOKEN:-}"
gh release create "v$VERSION" dist/*.tgz
curl -H "PRIVATE-TOKEN: glpat--G9_PigHn3nUQoLKOjK1" https://gitlab.acme.dev/api/v4/projects
