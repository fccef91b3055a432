"""Drives scripts/bench-run-read:
  apply BASE KEY             applies 1,000 hires through the connection `app`; prints the run's id
  copy DB RUN_ID ITEMS       copies the run's items (provisio stopped) until it has ITEMS
  read BASE KEY RUN_ID PID   reads the run whole; prints time, size and provisio's peak memory
"""

import json
import sqlite3
import sys
import time
import urllib.request

HIRES = 1000


def call(url, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET", headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.status, response.headers, response.read()


def apply(base, key):
    people = [{"external_id": f"E-{n}", "user_name": f"user{n}@example.com", "title": "Engineer",
               "name": {"given_name": "Ada", "family_name": f"Lovelace {n}"},
               "emails": [{"value": f"user{n}@example.com", "type": "work", "primary": True}],
               "attributes": {"employment_status": "active"}} for n in range(HIRES)]
    status, headers, _ = call(f"{base}/v1/connections/app/sync", key, {"mode": "apply", "people": people})
    if status != 202:
        sys.exit(f"bench-run-read: the apply answered {status}")
    location = headers["Location"]
    while True:
        _, _, body = call(f"{base}/v1/sync-runs?connection=app&page_size=1", key)
        run = json.loads(body)["items"][0]
        if run["finished_at"]:
            if run["progress"]["done"] != HIRES:
                sys.exit(f"bench-run-read: the run ended {run['progress']}")
            print(location.rsplit("/", 1)[1])
            return
        time.sleep(0.2)


def copy(db, run_id, items):
    """The run's items again under new sequence numbers: the same rows a run of
    `items` hires would hold (the app is not called again)."""
    columns = [row[1] for row in sqlite3.connect(db).execute("pragma table_info(sync_item)")]
    rest = [c for c in columns if c not in ("run_id", "seq")]
    with sqlite3.connect(db) as conn:
        for offset in range(HIRES, items, HIRES):
            conn.execute(
                f"insert into sync_item (run_id, seq, {', '.join(rest)}) "
                f"select run_id, seq + ?, {', '.join(rest)} from sync_item where run_id = ? and seq < ?",
                (offset, run_id, min(HIRES, items - offset)))


def peak_mib(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def read(base, key, run_id, pid):
    before = peak_mib(pid)
    started = time.monotonic()
    status, _, body = call(f"{base}/v1/sync-runs/{run_id}", key)
    seconds = time.monotonic() - started
    run = json.loads(body)
    if status != 200 or len(run["items"]) != run["progress"]["total"]:
        sys.exit(f"bench-run-read: {status}, {len(run['items'])} items of {run['progress']['total']}")
    seqs = [item["seq"] for item in run["items"]]
    if seqs != list(range(len(seqs))):
        sys.exit("bench-run-read: the items are not in order")
    print(f"| run items | answer | wall time (s) | provisio's peak RSS before the read | during it |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| {len(seqs):,} | {len(body) / 1048576:.1f} MiB | {seconds:.2f} | {before:.1f} MiB | {peak_mib(pid):.1f} MiB |")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "apply":
        apply(*args)
    elif command == "copy":
        copy(args[0], args[1], int(args[2]))
    else:
        read(args[0], args[1], args[2], int(args[3]))
