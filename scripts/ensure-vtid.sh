#!/usr/bin/env bash
# CI guard: fail unless the current PR / branch / commit names a VTID, found the same way the gateway
# finds it (PR title, then branch, then commit messages; see scripts/find-vtid.ts). Prints the VTID.
# In GitHub Actions it also sets the step output `vtid` and the env var VTID for later steps.
#
#   - run: scripts/ensure-vtid.sh
#     env:
#       PR_TITLE: ${{ github.event.pull_request.title }}
set -euo pipefail
cd "$(dirname "$0")/.."
# npx runs the repo's tsx on the repo's Node (24, the `node` devDependency), not whatever node is on PATH.
exec npx --no-install tsx scripts/find-vtid.ts
