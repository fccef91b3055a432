# Shared by scripts/test, scripts/fuzz and scripts/loadtest (sourced, not run).

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
# caller's shell can loosen a guard or point it at another database).
provisio_env() {
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@"
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
