# Shared by infra/postgres/start and stop: where the private cluster lives and how to reach its binaries.
# Sourced, not executed.

PG_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_PORT="${PG_PORT:-5432}"
PG_DATABASE="${PG_DATABASE:-damon}"
PG_DATA_DIR="${PG_DATA_DIR:-$PG_REPO_ROOT/tmp/postgres}"
# The cluster itself sits in a sub-folder: initdb wants an empty folder, and the socket and the
# server log live beside it in PG_DATA_DIR.
PG_CLUSTER_DIR="$PG_DATA_DIR/cluster"
PG_LOG_FILE="$PG_DATA_DIR/server.log"

log() { echo "[postgres] $*" >&2; }
die() { echo "[postgres] error: $*" >&2; exit 1; }

# Debian installs the server binaries under /usr/lib/postgresql/<version>/bin, off the PATH.
find_pg_bin() {
  local found
  if found="$(command -v pg_ctl 2>/dev/null)" && [ -x "$(dirname "$(readlink -f "$found")")/initdb" ]; then
    dirname "$(readlink -f "$found")"
    return 0
  fi
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$found" ] && [ -x "$found/pg_ctl" ] && [ -x "$found/initdb" ]; then
    echo "$found"
    return 0
  fi
  return 1
}

# The server refuses to run as root: as root, run its tools as the `postgres` user; otherwise as
# ourselves (the data folder then belongs to us).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
