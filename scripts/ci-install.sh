#!/usr/bin/env bash
# Installs what the end-to-end tests need beyond Rust: PostgreSQL and Redis (Debian packages) for
# the real-services test (tests/tests/e2e/postgres_redis.rs), plus util-linux's `setpriv` to run
# PostgreSQL as the `postgres` user when the tests run as root. Idempotent: does nothing when
# everything is already there. Called by .ci/run.
set -euo pipefail

have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v psql >/dev/null; }
have_redis() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)
command -v setpriv >/dev/null || packages+=(util-linux)

if [ ${#packages[@]} -eq 0 ]; then
  echo "ci-install: postgresql, redis-server and setpriv already installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "ci-install: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# The packages' own services are not started: coord starts its own instances on free ports.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "ci-install: done"
