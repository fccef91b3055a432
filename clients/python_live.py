"""The generated Python client (clients/python) against a live provisio backed
by a real SCIM server (scripts/test-clients starts both): a connection, its
test, a hire, a change and a leaver, a sync planned and applied, its run, and
a 422 and a 409 read through the typed problem.

Environment: PROVISIO_URL, PROVISIO_API_KEY, SCIM_URL, SCIM_TOKEN.
"""

import os
import time
import uuid
from typing import TypeVar

from provisio_client import AuthenticatedClient
from provisio_client.api.connections import create_connection, delete_connection, test_connection
from provisio_client.api.providers import list_providers
from provisio_client.api.sync import get_run, sync
from provisio_client.api.users import create_user, deactivate_user, get_user, update_user
from provisio_client.models import (
    BearerCredentials,
    BearerCredentialsType,
    ConnectionIn,
    ConnectionInSettings,
    Person,
    PersonAttributes,
    PlanOut,
    Problem,
    ProviderKind,
    SyncBody,
    SyncMode,
    SyncRunOut,
    TestOptions,
    UserFields,
    UserPatch,
)
from provisio_client.types import Response

T = TypeVar("T")


class ProvisioError(Exception):
    """A refused or failed call, with provisio's problem (its `code` is stable)."""

    def __init__(self, status: int, problem: Problem):
        super().__init__(f"{problem.code} ({status}): {problem.detail}")
        self.status = status
        self.problem = problem


def expect(response: Response[T | Problem], status: int) -> T:
    """The parsed body of a `status` answer; a problem is raised as ProvisioError."""
    if isinstance(response.parsed, Problem):
        raise ProvisioError(response.status_code, response.parsed)
    assert response.status_code == status, (response.status_code, response.content)
    assert response.parsed is not None
    return response.parsed


def refused(status: int, code: str, call) -> Problem:
    try:
        call()
    except ProvisioError as error:
        assert (error.status, error.problem.code) == (status, code), error
        assert error.problem.request_id, "a problem carries its request id"
        return error.problem
    raise AssertionError(f"expected {code}")


checks = 0


def ok(name: str) -> None:
    global checks
    checks += 1
    print(f"ok {checks} - {name}", flush=True)


def main() -> None:
    client = AuthenticatedClient(base_url=os.environ["PROVISIO_URL"], token=os.environ["PROVISIO_API_KEY"])
    name = f"py-client-{uuid.uuid4().hex[:8]}"

    catalogue = expect(list_providers.sync_detailed(client=client), 200)
    assert any(p.id == ProviderKind.SCIM and p.settings for p in catalogue.items)
    ok("the provider catalogue, settings and all")

    body = ConnectionIn(
        name=name,
        provider=ProviderKind.SCIM,
        instance_url=os.environ["SCIM_URL"],
        credentials=BearerCredentials(type_=BearerCredentialsType.BEARER, token=os.environ["SCIM_TOKEN"]),
        settings=ConnectionInSettings.from_dict({"request_timeout_seconds": 20}),
    )
    created = expect(create_connection.sync_detailed(client=client, body=body), 201)
    assert created.name == name and created.credentials.hint
    refused(409, "connection_exists", lambda: expect(create_connection.sync_detailed(client=client, body=body), 201))
    body.name = "not a valid name!"
    problem = refused(422, "validation_failed", lambda: expect(create_connection.sync_detailed(client=client, body=body), 201))
    assert problem.errors and problem.errors[0].field == "name", problem.errors
    ok("a connection, and its 409 and 422 as typed problems")

    report = expect(test_connection.sync_detailed(name, client=client, body=TestOptions(write=True)), 200)
    assert report.usable, report.checks
    ok("the connection test")

    ada = UserFields(user_name=f"ada-{uuid.uuid4().hex[:8]}@example.com", external_id=f"E-{uuid.uuid4().hex[:8]}")
    hired = expect(create_user.sync_detailed(name, client=client, body=ada), 201)
    refused(409, "user_exists", lambda: expect(create_user.sync_detailed(name, client=client, body=ada), 201))
    changed = expect(update_user.sync_detailed(name, hired.id, client=client, body=UserPatch(title="Analyst")), 200)
    assert changed.title == "Analyst"
    left = expect(deactivate_user.sync_detailed(name, hired.id, client=client), 200)
    assert left.active is False
    assert expect(get_user.sync_detailed(name, hired.id, client=client), 200).active is False
    ok("hire, change, leave")

    grace = Person(
        external_id=f"E-{uuid.uuid4().hex[:8]}",
        user_name=f"grace-{uuid.uuid4().hex[:8]}@example.com",
        attributes=PersonAttributes.from_dict({"job_title": "Admiral"}),
    )
    plan = expect(sync.sync_detailed(name, client=client, body=SyncBody(mode=SyncMode.PLAN, people=[grace])), 200)
    assert isinstance(plan, PlanOut) and plan.totals.create == 1, plan
    run = expect(sync.sync_detailed(name, client=client, body=SyncBody(mode=SyncMode.APPLY, plan_id=plan.plan_id)), 202)
    assert isinstance(run, SyncRunOut)
    for _ in range(300):  # bounded: two items on a local SCIM server take well under a second
        run = expect(get_run.sync_detailed(run.run_id, client=client), 200)
        if run.status in ("succeeded", "completed_with_errors"):
            break
        time.sleep(0.1)
    assert run.status == "succeeded", run
    ok("a sync planned, applied, and its run read")

    response = delete_connection.sync_detailed(name, client=client)
    assert response.status_code == 204, response.content
    ok("the connection deleted")
    print(f"{checks} passed, 0 failed")


if __name__ == "__main__":
    main()
