#!/usr/bin/env bash
# Installs what the end-to-end tests need beyond Rust: PostgreSQL and Redis (Debian packages) for
# the real-services test (tests/tests/e2e/postgres_redis.rs), plus util-linux's `setpriv` to run
# PostgreSQL as the `postgres` user when the tests run as root; for the export tests
# (runtime/tests/export_validate.rs) `kubernetes-validate` (PyPI, offline schemas) and
# `systemd-analyze` (Debian `systemd`). Idempotent: does nothing when everything is already
# there. Called by .ci/run.
set -euo pipefail

# The export tests run it as `python3 -m kubernetes_validate`: install it for that python3.
if ! python3 -m kubernetes_validate --version >/dev/null 2>&1; then
  echo "ci-install: installing kubernetes-validate"
  pip_install=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
  "${pip_install[@]}" kubernetes-validate 2>/dev/null \
    || "${pip_install[@]}" --break-system-packages kubernetes-validate
fi

have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v psql >/dev/null; }
have_redis() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)
command -v setpriv >/dev/null || packages+=(util-linux)
[ -x /usr/bin/systemd-analyze ] || packages+=(systemd)

if [ ${#packages[@]} -eq 0 ]; then
  echo "ci-install: postgresql, redis-server, setpriv and systemd-analyze already installed"
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
