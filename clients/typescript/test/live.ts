// The TypeScript client against a live provisio backed by a real SCIM server
// (scripts/test-clients starts both). It calls every operation of the
// document at least once, and fails if one was left out.
// Environment: PROVISIO_URL, PROVISIO_API_KEY, SCIM_URL, SCIM_TOKEN.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { createClient, ProvisioError, unwrap, type Schemas } from "../src/index.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const baseUrl = env("PROVISIO_URL");
const client = createClient({ baseUrl, apiKey: env("PROVISIO_API_KEY") });
const called = new Set<string>();
client.use({
  onRequest({ request, schemaPath }) {
    called.add(`${request.method.toLowerCase()} ${schemaPath}`);
  },
});

let checks = 0;
async function check(name: string, body: () => Promise<void>): Promise<void> {
  await body();
  checks += 1;
  console.log(`ok ${checks} - ${name}`);
}

/** Asserts that `call` is refused with this status and code, through the typed error. */
async function refused(status: number, code: string, call: Promise<unknown>): Promise<Schemas["Problem"]> {
  const error = await call.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProvisioError, String(error));
  assert.equal(error.status, status);
  assert.equal(error.code, code);
  assert.ok(error.problem.request_id, "a problem carries its request id");
  return error.problem;
}

const connection = `ts-client-${randomUUID().slice(0, 8)}`;
const path = { connection };

async function probes(): Promise<void> {
  const health = await unwrap(client.GET("/healthz"));
  assert.equal(health.status, "ok");
  assert.equal((await unwrap(client.GET("/readyz"))).status, "ready");
  const metrics = await unwrap(client.GET("/metrics", { parseAs: "text" }));
  assert.match(metrics, /provisio_http_requests_total/);
  const errors = await unwrap(client.GET("/errors", { parseAs: "text" }));
  assert.match(errors, /id="validation_failed"/);
}

async function connections(): Promise<void> {
  const providers = await unwrap(client.GET("/v1/providers"));
  const scim = providers.items.find((p) => p.id === "scim");
  assert.ok(scim?.settings.some((s) => s.type === "integer" && s.max !== undefined));
  const body: Schemas["ConnectionIn"] = {
    name: connection,
    provider: "scim",
    instance_url: env("SCIM_URL"),
    credentials: { type: "bearer", token: env("SCIM_TOKEN") },
    settings: { request_timeout_seconds: 20 },
  };
  const key = randomUUID();
  const params = { header: { "Idempotency-Key": key } };
  const created = await client.POST("/v1/connections", { body, params });
  assert.equal(created.response.status, 201);
  const again = await client.POST("/v1/connections", { body, params });
  assert.equal(again.response.headers.get("idempotency-replayed"), "true");
  assert.deepEqual(again.data, created.data);
  await refused(409, "connection_exists", unwrap(client.POST("/v1/connections", { body })));
  const problem = await refused(
    422,
    "validation_failed",
    unwrap(client.POST("/v1/connections", { body: { ...body, name: "" } })),
  );
  assert.ok(problem.errors?.some((e) => e.field === "name"));
  const listed = await unwrap(client.GET("/v1/connections"));
  assert.ok(listed.items.some((c) => c.name === connection));
  const one = await unwrap(client.GET("/v1/connections/{connection}", { params: { path } }));
  assert.equal(one.credentials.type, "bearer");
  const patched = await unwrap(
    client.PATCH("/v1/connections/{connection}", {
      params: { path },
      body: { settings: { request_timeout_seconds: 25 } },
    }),
  );
  assert.equal(patched.settings["request_timeout_seconds"], 25);
  const report = await unwrap(
    client.POST("/v1/connections/{connection}/test", { params: { path }, body: { write: true } }),
  );
  assert.ok(report.usable, JSON.stringify(report.checks));
}

async function users(): Promise<string> {
  const users = "/v1/connections/{connection}/users" as const;
  const ada: Schemas["UserFields"] = {
    user_name: `ada-${randomUUID().slice(0, 8)}@example.com`,
    external_id: `E-${randomUUID().slice(0, 8)}`,
    name: { given_name: "Ada", family_name: "Lovelace" },
    emails: [{ value: "ada@example.com", type: "work", primary: true }],
  };
  const hired = await unwrap(client.POST(users, { params: { path }, body: ada }));
  const user = { ...path, user_id: hired.id };
  await refused(409, "user_exists", unwrap(client.POST(users, { params: { path }, body: ada })));
  const page = await unwrap(client.GET(users, { params: { path, query: { user_name: ada.user_name } } }));
  assert.deepEqual(page.items.map((u) => u.id), [hired.id]);
  const one = "/v1/connections/{connection}/users/{user_id}" as const;
  assert.equal((await unwrap(client.GET(one, { params: { path: user } }))).user_name, ada.user_name);
  const changed = await unwrap(client.PATCH(one, { params: { path: user }, body: { title: "Analyst" } }));
  assert.equal(changed.title, "Analyst");
  const left = await unwrap(client.POST(`${one}/deactivate`, { params: { path: user } }));
  assert.equal(left.active, false);
  const back = await unwrap(client.POST(`${one}/reactivate`, { params: { path: user } }));
  assert.equal(back.active, true);
  return hired.id;
}

async function groups(userId: string): Promise<void> {
  const list = "/v1/connections/{connection}/groups" as const;
  const created = await unwrap(
    client.POST(list, { params: { path }, body: { display_name: `analysts-${randomUUID().slice(0, 8)}` } }),
  );
  const group = { ...path, group_id: created.id };
  const one = "/v1/connections/{connection}/groups/{group_id}" as const;
  assert.ok((await unwrap(client.GET(list, { params: { path } }))).items.some((g) => g.id === created.id));
  assert.equal((await unwrap(client.GET(one, { params: { path: group } }))).id, created.id);
  const renamed = await unwrap(
    client.PATCH(one, { params: { path: group }, body: { display_name: `${created.display_name}-2` } }),
  );
  assert.equal(renamed.display_name, `${created.display_name}-2`);
  const members = `${one}/members` as const;
  const change = await unwrap(client.POST(members, { params: { path: group }, body: { add: [userId] } }));
  assert.equal(change.added, 1);
  const listed = await unwrap(client.GET(members, { params: { path: group } }));
  assert.deepEqual(listed.items.map((m) => m.user_id), [userId]);
  const member = { path: { ...group, user_id: userId } };
  await unwrap(client.DELETE(`${members}/{user_id}`, { params: member }));
  await unwrap(client.PUT(`${members}/{user_id}`, { params: member }));
  await unwrap(client.DELETE(one, { params: { path: group } }));
}

async function waitForRun(runId: string): Promise<Schemas["SyncRunOut"]> {
  // Bounded: a run of two items on a local SCIM server takes well under a second.
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const run = await unwrap(client.GET("/v1/sync-runs/{run_id}", { params: { path: { run_id: runId } } }));
    if (run.status === "succeeded" || run.status === "completed_with_errors") return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

async function sync(): Promise<void> {
  const rules = "/v1/connections/{connection}/rules" as const;
  await unwrap(
    client.PUT(rules, {
      params: { path },
      body: { leaving_statuses: ["terminated"], mapping: { title: { from: "attributes.job_title" } } },
    }),
  );
  assert.deepEqual((await unwrap(client.GET(rules, { params: { path } }))).leaving_statuses, ["terminated"]);
  const endpoint = "/v1/connections/{connection}/sync" as const;
  const people: Schemas["Person"][] = [
    { external_id: `E-${randomUUID().slice(0, 8)}`, user_name: `grace-${randomUUID().slice(0, 8)}@example.com`,
      attributes: { job_title: "Admiral" } },
  ];
  const plan = await client.POST(endpoint, { params: { path }, body: { mode: "plan", people } });
  assert.equal(plan.response.status, 200);
  assert.ok(plan.data && "plan_id" in plan.data);
  const planId = plan.data.plan_id;
  const applied = await client.POST(endpoint, { params: { path }, body: { mode: "apply", plan_id: planId } });
  assert.equal(applied.response.status, 202);
  assert.ok(applied.data && "run_id" in applied.data);
  const run = await waitForRun(applied.data.run_id);
  assert.equal(run.status, "succeeded", JSON.stringify(run));
  const runs = await unwrap(client.GET("/v1/sync-runs", { params: { query: { connection } } }));
  assert.ok(runs.items.some((r) => r.run_id === run.run_id));
  const items = await unwrap(
    client.GET("/v1/sync-runs/{run_id}/items", { params: { path: { run_id: run.run_id } } }),
  );
  assert.ok(items.items.some((i) => i.action === "create"));
  const log = await unwrap(client.GET("/v1/operations", { params: { query: { run_id: run.run_id } } }));
  assert.ok(log.items.length > 0);
}

async function everyOperationWasCalled(): Promise<void> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  const missing = Object.entries(document.paths).flatMap(([route, item]) =>
    Object.keys(item)
      .map((method) => `${method} ${route}`)
      .filter((operation) => !called.has(operation)),
  );
  assert.deepEqual(missing, [], "operations the program never called");
}

await check("probes and the errors page", probes);
await check("a connection: create, replay, conflict, invalid, list, read, patch, test", connections);
const userId = await users();
console.log(`ok ${(checks += 1)} - a user: hire, conflict, list, read, change, deactivate, reactivate`);
await check("groups and their members", () => groups(userId));
await check("delete the user", async () => {
  await unwrap(client.DELETE("/v1/connections/{connection}/users/{user_id}", { params: { path: { ...path, user_id: userId } } }));
});
await check("rules, a plan, its run and the operation log", sync);
await check("delete the connection", async () => {
  await unwrap(client.DELETE("/v1/connections/{connection}", { params: { path } }));
  await refused(404, "connection_not_found", unwrap(client.GET("/v1/connections/{connection}", { params: { path } })));
});
await check("every operation of the document was called", everyOperationWasCalled);
console.log(`${checks} passed, 0 failed`);
