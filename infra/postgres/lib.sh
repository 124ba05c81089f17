# Shared by infra/postgres/start and stop: where the private cluster lives and how to reach its binaries.
# Sourced, not executed.

PG_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_PORT="${PG_PORT:-5432}"
PG_DATABASE="${PG_DATABASE:-damon}"
PG_DATA_DIR_GIVEN="${PG_DATA_DIR:-}"
PG_DATA_DIR="${PG_DATA_DIR:-$PG_REPO_ROOT/tmp/postgres}"
# The cluster itself sits in a sub-folder: initdb wants an empty folder, and the socket and the
# server log live beside it in PG_DATA_DIR.
set_cluster_paths() {
  PG_CLUSTER_DIR="$PG_DATA_DIR/cluster"
  PG_LOG_FILE="$PG_DATA_DIR/server.log"
}
set_cluster_paths

# As root the server runs as `postgres`, which cannot reach a repository under a folder it may not
# traverse (a clone under /root, a `mktemp -d` folder). Unless PG_DATA_DIR was given, the cluster
# then lives in /var/tmp under a stable name per repository, so start and stop agree on it.
resolve_data_dir() {
  [ -z "$PG_DATA_DIR_GIVEN" ] && [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 || return 0
  runuser -u postgres -- test -x "$PG_REPO_ROOT" && return 0
  PG_DATA_DIR="/var/tmp/damon-postgres-$(printf '%s' "$PG_REPO_ROOT" | sha1sum | cut -c1-12)"
  set_cluster_paths
  log "user 'postgres' cannot traverse $PG_REPO_ROOT: using $PG_DATA_DIR (set PG_DATA_DIR to choose)"
}

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
