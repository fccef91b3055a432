"""Drives scripts/bench-sync: seeds the app, onboards, drifts, plans, applies.

Prints a Markdown table of the figures and exits non-zero if any step does not
give exactly what it should (so a regression cannot hide in a benchmark).
"""

import json
import math
import os
import sys
import time
import urllib.request

base, key, name, scim, scim_token, accounts, drift, pid, scim_log = sys.argv[1:10]
accounts, drift = int(accounts), int(drift)
groups = int(os.environ.get("MANAGED_GROUPS", "20"))
DEPARTMENTS = 40


def call(url, token, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            text = response.read()
            return json.loads(text) if text and response.headers.get_content_subtype() != "plain" else text.decode()
    except urllib.error.HTTPError as error:
        sys.exit(f"bench-sync: {request.method} {url} answered {error.code}: {error.read()[:2000].decode(errors='replace')}")


def api(path, body=None):
    return call(f"{base}{path}", key, body)


def person(n, title="Engineer", moved=0):
    return {"external_id": f"E-{n:06}", "user_name": f"person{n}@example.com",
            "name": {"given_name": f"Given{n}", "family_name": f"Family{n}"},
            "display_name": f"Given{n} Family{n}", "title": title,
            "emails": [{"value": f"person{n}@example.com", "type": "work", "primary": True}],
            "attributes": {"employment_status": "active", "department": f"D{(n + moved) % DEPARTMENTS}"}}


def scim_user(n):
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"person{n}@example.com",
            "externalId": f"E-{n:06}", "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
            "displayName": f"Given{n} Family{n}", "title": "Engineer", "active": True,
            "emails": [{"value": f"person{n}@example.com", "type": "work", "primary": True}]}


def metric(prefix):
    """The sum of a metric's series in provisio's /metrics."""
    text = call(f"{base}/metrics", key)
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def upstream_calls():
    """Calls provisio made to apps so far."""
    return int(metric("provisio_upstream_requests_total{"))


def upstream_seconds():
    """Time spent waiting on apps' answers so far."""
    return metric("provisio_upstream_request_duration_seconds_sum")


def app_requests():
    """The requests the app logged so far, as `METHOD /v2/Resource` lines."""
    with open(scim_log) as log:
        return [" ".join(line.split('"')[1].split()[:2]).split("?")[0] for line in log if '"' in line]


def breakdown(requests):
    """Counts requests by method and kind (`GET /Users/{id}`, `GET /Users?…`)."""
    counts = {}
    for request in requests:
        method, path = request.split(" ", 1)
        parts = path.split("/")
        kind = f"{method} /{parts[2]}" + ("/{id}" if len(parts) > 3 else "")
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def peak_mib(field="VmHWM"):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024


peaks = {}


def step_peak(step):
    """Provisio's peak memory (VmHWM) during `step`, then reset it for the next
    step (Linux: writing 5 to clear_refs resets the peak to the current size)."""
    peaks[step] = peak_mib()
    print(f"{step}: peak {peaks[step]:.1f} MiB, now {peak_mib('VmRSS'):.1f} MiB", file=sys.stderr)
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def timed(f):
    started = time.monotonic()
    result = f()
    return result, time.monotonic() - started


def wait_for_run(run):
    # Polled through the listing, which leaves the items out: the run itself
    # lists every item, thousands of them, which would cost more than the wait.
    while True:
        newest = api(f"/v1/sync-runs?connection={name}&page_size=1")["items"][0]
        if newest["run_id"] == run["run_id"] and newest["finished_at"]:
            return newest
        time.sleep(0.2)


def check(condition, what):
    if not condition:
        sys.exit(f"bench-sync: {what}")


# Seed the app directly, 1,000 accounts per SCIM bulk request (its maximum).
_, seed_seconds = timed(lambda: [call(f"{scim}/Bulk", scim_token, {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    "Operations": [{"method": "POST", "path": "/Users", "bulkId": str(n), "data": scim_user(n)}
                   for n in range(start, min(start + 1000, accounts))]})
    for start in range(0, accounts, 1000)])
print(f"seeded {accounts} accounts in {seed_seconds:.1f} s", file=sys.stderr)


def membership_calls(requests):
    """Membership writes the app received (PATCH, or PUT where it has no PATCH)."""
    return sum(1 for r in requests if r.startswith(("PATCH /v2/Groups", "PUT /v2/Groups")))


def fewest_calls(plan, batch=100):
    """The fewest calls that can apply a plan's group changes: per group, its adds
    and its removes in batches of `batch`."""
    return sum(math.ceil(len(g["add"]) / batch) + math.ceil(len(g["remove"]) / batch)
               for g in plan["group_changes"])


def note(what, seconds):
    print(f"{what}: {seconds:.2f} s", file=sys.stderr)

# Roles: a group per pair of departments (each person in exactly one group).
for g in range(groups):
    api(f"/v1/connections/{name}/groups", {"display_name": f"G{g}"})
roles = [{"name": f"team{g}", "groups": [f"G{g}"], "when": {"attribute": "attributes.department",
          "in": [f"D{d}" for d in range(g, DEPARTMENTS, groups)]}} for g in range(groups)]
# A 1% leaver share is routine here, whatever the size: the limit allows it.
call(f"{base}/v1/connections/{name}/rules", key, {"roles": roles, "deprovision_limit": {"percent": 10, "count": max(50, accounts // 100)}}, method="PUT")

# Onboard: everyone matches, nothing changes, every account becomes managed and
# joins its group.
people = [person(n) for n in range(accounts)]
sync = f"/v1/connections/{name}/sync"
calls_before = upstream_calls()
step_peak("start")
onboard, onboard_seconds = timed(lambda: api(sync, {"people": people}))
step_peak("onboarding plan")
onboard_calls = upstream_calls() - calls_before
note("onboarding plan", onboard_seconds)
check(onboard["totals"]["unchanged"] == accounts, f"onboarding plan: {onboard['totals']}")
check(onboard["totals"]["memberships_added"] == (accounts if groups else 0), f"onboarding plan: {onboard['totals']}")
logged_before = len(app_requests())
run = wait_for_run(api(sync, {"mode": "apply", "plan_id": onboard["plan_id"]}))
onboard_memberships = (membership_calls(app_requests()[logged_before:]), fewest_calls(onboard))
check(run["status"] == "succeeded", f"onboarding apply: {run['status']} {run['progress']}")
step_peak("onboarding apply")

# Drift: 80% changed titles (and departments, so groups), 10% new hires, 10% leavers.
changed = accounts * drift // 100
leavers = hires = changed // 10
updates = changed - leavers - hires
for n in range(updates):
    people[n] = person(n, "Senior Engineer", moved=1)
people = people[:accounts - leavers] + [person(accounts + n) for n in range(hires)]

calls_before, waited_before = upstream_calls(), upstream_seconds()
plan, plan_seconds = timed(lambda: api(sync, {"people": people}))
plan_calls, plan_waited = upstream_calls() - calls_before, upstream_seconds() - waited_before
step_peak("plan with drift")
note("drift plan", plan_seconds)
t = plan["totals"]
check((t["update"], t["create"], t["deactivate"], t["unchanged"]) == (updates, hires, leavers, accounts - updates - leavers),
      f"drift plan: {t}")

calls_before, logged_before = upstream_calls(), len(app_requests())
(run, apply_seconds) = timed(lambda: wait_for_run(api(sync, {"mode": "apply", "plan_id": plan["plan_id"]})))
apply_calls = upstream_calls() - calls_before
apply_breakdown = breakdown(app_requests()[logged_before:])
membership_items = sum(1 for g in plan["group_changes"] for _ in range(math.ceil(len(g["add"]) / 100) + math.ceil(len(g["remove"]) / 100)))
check(run["status"] == "succeeded" and run["progress"]["done"] == changed + membership_items,
      f"apply: {run['status']} {run['progress']}")
drift_memberships = (membership_calls(app_requests()[logged_before:]), fewest_calls(plan))
step_peak("apply that plan")

# The run read whole, every item in it: written as it is read, a page at a time.
(whole, read_seconds) = timed(lambda: call(f"{base}/v1/sync-runs/{run['run_id']}", key))
check(len(whole["items"]) == whole["progress"]["total"], f"the run lists {len(whole['items'])} items")
read_bytes = len(json.dumps(whole, separators=(",", ":")))
step_peak("read that run")

final_plan = api(sync, {"people": people})
final = final_plan["totals"]
check(final["unchanged"] == accounts + hires and final["people"] == len(people), f"final plan: {final}")
check(final_plan["group_changes"] == [], f"final plan still changes groups: {final_plan['group_changes'][:3]}")
step_peak("final plan")

print(f"| step | people | accounts | wall time (s) | upstream calls | result |")
print(f"| --- | --- | --- | --- | --- | --- |")
print(f"| onboarding plan | {accounts} | {accounts} | {onboard_seconds:.2f} | {onboard_calls} | {accounts} unchanged |")
print(f"| plan with {drift}% drift | {len(people)} | {accounts} | {plan_seconds:.2f} | {plan_calls} | "
      f"{updates} update, {hires} create, {leavers} deactivate |")
print(f"| apply that plan | | | {apply_seconds:.2f} | {apply_calls} | {run['progress']['done']} done, 0 failed |")
print(f"| read that run whole | | | {read_seconds:.2f} | 0 | {len(whole['items'])} items, {read_bytes / 1048576:.1f} MiB of JSON |")
print(f"\napply's calls, as the app logged them: {apply_breakdown}")
if groups:
    t = plan["totals"]
    print(f"\n| memberships ({groups} managed groups, batches of 100) | changes | membership calls | fewest possible |")
    print(f"| --- | --- | --- | --- |")
    print(f"| onboarding apply | {onboard['totals']['memberships_added']} added | {onboard_memberships[0]} | {onboard_memberships[1]} |")
    print(f"| drift apply | {t['memberships_added']} added, {t['memberships_removed']} removed | "
          f"{drift_memberships[0]} | {drift_memberships[1]} |")
print(f"\nof the drift plan's {plan_seconds:.2f} s, {plan_waited:.2f} s were spent waiting on the app's {plan_calls} page reads")
print("\nprovisio's peak memory (VmHWM, reset before each step):", ", ".join(f"{step} {mib:.1f} MiB" for step, mib in peaks.items()))
print(f"provisio's peak memory over the whole run: {max(peaks.values()):.1f} MiB")
