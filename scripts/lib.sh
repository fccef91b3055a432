# Shared by scripts/test, scripts/fuzz, scripts/loadtest and scripts/bench-budget (sourced, not run).

# ensure_venv DIR REQUIREMENTS...: a venv at DIR with exactly these pinned
# requirements installed; rebuilt when any requirements file changes.
ensure_venv() {
    local venv=$1; shift
    local stamp="$venv/.provisio-requirements" wanted
    wanted=$(cat "$@")
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "installing $* into $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv" || { echo "python3 -m venv failed: install your distribution's python3-venv package" >&2; return 1; }
        local args=()
        for file in "$@"; do args+=(-r "$file"); done
        "$venv/bin/pip" install --quiet --disable-pip-version-check "${args[@]}"
        printf '%s' "$wanted" >"$stamp"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL: until it answers (10 s at most).
wait_for() {
    for _ in $(seq 1 100); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$1 did not come up" >&2
    return 1
}

# Runs provisio with only the environment given (nothing inherited from the
# caller's shell can loosen a guard or point it at another database). Call it
# in the background (`provisio_env … &`): it replaces that subshell, so `$!` is
# provisio itself and a clean-up that kills `$!` stops the server, not a
# wrapper that would leave it running.
provisio_env() {
    exec env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@"
}

# post_json URL API_KEY BODY: POSTs JSON with the API key; fails unless 2xx.
post_json() {
    python3 - "$@" <<'PY'
import sys, urllib.request
url, key, body = sys.argv[1:4]
request = urllib.request.Request(url, data=body.encode(), method="POST",
    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=30)
PY
}

# ensure_node_modules DIR: DIR/node_modules installed by `npm ci` from DIR's
# lockfile; reinstalled when the lockfile changes.
ensure_node_modules() {
    local dir=$1 stamp="$1/node_modules/.provisio-lock"
    if ! cmp -s "$dir/package-lock.json" "$stamp"; then
        echo "installing $dir/package-lock.json" >&2
        (cd "$dir" && npm ci --silent --no-audit --no-fund)
        cp "$dir/package-lock.json" "$stamp"
    fi
}

# start_postgres DIR: a throwaway Postgres cluster in DIR on a free port (run as
# the `postgres` user when we are root: Postgres refuses root), its URL in
# POSTGRES_URL; stop_postgres stops it. Needs initdb and pg_ctl.
stop_postgres() { :; }
start_postgres() {
    local dir=$1 bindir="" candidate
    for candidate in "$(command -v pg_ctl 2>/dev/null | xargs -r dirname)" /usr/lib/postgresql/*/bin; do
        if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            bindir="$candidate"
            break
        fi
    done
    if [ -z "$bindir" ]; then
        echo "no initdb/pg_ctl found; install PostgreSQL's server binaries or set DATABASE_URL" >&2
        exit 1
    fi
    mkdir -p "$dir"
    local port
    port=$(free_port)
    PG_AS=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        PG_AS=(runuser -u postgres --)
    fi
    "${PG_AS[@]}" "$bindir/initdb" -D "$dir/data" -U provisio --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Globals: the clean-up runs after this function's locals are gone.
    PG_CTL="$bindir/pg_ctl"
    PG_DATA="$dir/data"
    stop_postgres() {
        "${PG_AS[@]}" "$PG_CTL" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
    }
    "${PG_AS[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    POSTGRES_URL="postgres://provisio@127.0.0.1:$port/postgres"
}
