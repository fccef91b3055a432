"""Drives scripts/bench-gateway: creates the connections, runs the rounds
(straight at the upstream, through the plain proxy, through nginx where there
is one, through provisio, in turn), prints a Markdown table with the ratio
last, and fails if any answer was not 200."""

import json
import os
import re
import subprocess
import sys
import urllib.request

base, key, upstream, pid, work, plain, nginx = sys.argv[1:8]
connections = int(os.environ.get("CONNECTIONS", "100"))
rounds = int(os.environ.get("ROUNDS", "3"))
seconds = int(os.environ.get("SECONDS", "5"))
wrk_connections = int(os.environ.get("WRK_CONNECTIONS", "50"))
TOKEN = "static-upstream-token-0123"


def post(path, body):
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def wrk(urls, bearer):
    """Requests/s, p50 and p99 (ms) of one closed-loop round over `urls` in turn."""
    script = os.path.join(work, "spread.lua")
    with open(script, "w") as f:
        paths = ", ".join(json.dumps(re.sub(r"^https?://[^/]+", "", u)) for u in urls)
        f.write(f"local paths = {{{paths}}}\nlocal i = 0\n"
                f"wrk.headers['Authorization'] = 'Bearer {bearer}'\n"
                "request = function() i = i % #paths + 1; return wrk.format('GET', paths[i]) end\n"
                "done = function(summary, latency, requests)\n"
                "  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout\n"
                "  io.write(string.format('BAD %d\\n', bad)) end\n")
    out = subprocess.run(["wrk", "-t1", f"-c{wrk_connections}", f"-d{seconds}s", "--latency", "-s", script, urls[0]],
                         capture_output=True, text=True, check=True).stdout
    bad = int(re.search(r"BAD (\d+)", out).group(1))
    if bad:
        sys.exit(f"{bad} requests failed:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, percentile(50), percentile(99)


def best(urls, bearer):
    """The best of `rounds` rounds (less noise from a shared machine)."""
    return max((wrk(urls, bearer) for _ in range(rounds)), key=lambda r: r[0])


def paced(urls, bearer):
    out = subprocess.run(["target/release/examples/paced", ",".join(urls), "1000", str(seconds), bearer],
                         capture_output=True, text=True, check=True).stdout
    figures = json.loads(out)
    if figures["failures"]:
        sys.exit(f"paced load failed: {figures}")
    return figures["p50_ms"]


def peak_rss_mib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


names = [f"app{n}" for n in range(connections)]
for name in names:
    post("/v1/connections", {"name": name, "provider": "scim", "instance_url": upstream,
                             "credentials": {"type": "bearer", "token": TOKEN},
                             "settings": {"max_requests_per_second": 1000, "max_concurrency": 100}})

direct_urls = [f"{upstream}/Users/u1"]
through_urls = [f"{base}/v1/connections/{name}/users/u1" for name in names]
# The references forward with the upstream's token themselves.
references = [("the same read through a plain proxy of provisio's parts", f"{plain}/Users/u1")]
if nginx != "-":
    references.append(("the same read through nginx (plain reverse proxy)", f"{nginx}/Users/u1"))
direct, through, proxied = [], [], [[] for _ in references]
for _ in range(rounds):
    direct.append(wrk(direct_urls, TOKEN))
    for figures, (_, url) in zip(proxied, references):
        figures.append(wrk([url], "unused"))
    through.append(wrk(through_urls, key))
direct, through = max(direct), max(through)
proxied = [(label, max(figures)) for (label, _), figures in zip(references, proxied)]
healthz = best([f"{base}/healthz"], key)
connection = best([f"{base}/v1/connections/{name}" for name in names], key)
providers = best([f"{base}/v1/providers"], key)
added = paced(through_urls, key) - paced(direct_urls, TOKEN)
rss = peak_rss_mib()

print(f"| what ({connections} connections, wrk -t1 -c{wrk_connections}, best of {rounds} × {seconds} s) | req/s | p50 ms | p99 ms |")
print("| --- | --- | --- | --- |")
for label, (rps, p50, p99) in [("GET a user straight from the upstream", direct),
                                *proxied,
                                ("the same read through provisio", through),
                                ("GET /healthz", healthz),
                                ("GET /v1/connections/{c}", connection),
                                ("GET /v1/providers", providers)]:
    print(f"| {label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} |")
print()
print(f"GET /v1/connections/{{c}} ÷ /healthz: {connection[0] / healthz[0]:.2f}")
print(f"latency provisio adds at 1,000 req/s (p50): {added:.2f} ms")
print(f"provisio peak RSS (VmHWM): {rss:.1f} MiB")
for label, figures in proxied:
    print(f"{label.removeprefix('the same read through ')} ÷ direct: {figures[0] / direct[0]:.3f}")
print(f"provisio ÷ plain proxy of its parts: {through[0] / proxied[0][1][0]:.3f}")
print(f"ratio, through provisio ÷ direct: {through[0] / direct[0]:.3f}")
