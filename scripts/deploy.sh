#!/usr/bin/env bash
# Deploys a stack (default: dev) with one command: checks the tools, installs packages, picks a
# backend, creates the stack if needed, then runs `pulumi up`. Extra arguments go to `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
shift || true

die() { echo "deploy: $*" >&2; exit 1; }
command -v pulumi >/dev/null 2>&1 || die "the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/iac/download-install/) and run again"
command -v docker >/dev/null 2>&1 || die "Docker is not installed; install Docker Engine or Docker Desktop and run again"
docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable (docker info failed); start Docker and run again"
[ -f "Pulumi.${stack}.yaml" ] || die "there is no Pulumi.${stack}.yaml; see README, 'Add an environment'"
[ -d node_modules ] || npm ci

# Without a Pulumi Cloud login or PULUMI_BACKEND_URL, keep state in a local file backend (~/.pulumi).
if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
    pulumi login --local
fi
pulumi stack select "$stack" >/dev/null 2>&1 || pulumi stack init "$stack"
exec pulumi up --stack "$stack" "$@"
