from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.rules import Rules
from ...models.rules_input import RulesInput
from ...types import Response


def _get_kwargs(
    connection: str,
    *,
    body: RulesInput,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/connections/{connection}/rules".format(
            connection=quote(str(connection), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Rules | None:
    if response.status_code == 200:
        response_200 = Rules.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Rules]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    connection: str,
    *,
    client: AuthenticatedClient | Client,
    body: RulesInput,
) -> Response[Problem | Rules]:
    """Replace a connection's sync rules: eligibility, leaving statuses, attribute
    mapping, match order and the deprovision limit. Omitted parts take their defaults.

    Args:
        connection (str):
        body (RulesInput): A rules document as sent; every part is optional and takes its default
            when omitted.

            An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
            or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
            `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
            (a boolean). Paths read the person: `department`, `name.given_name`,
            `attributes.location`. A mapping rule is `{"from": "<path>"}`,
            `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
            with an optional `"transform"` of `lower`, `upper` or `trim`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Rules]
    """

    kwargs = _get_kwargs(
        connection=connection,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    connection: str,
    *,
    client: AuthenticatedClient | Client,
    body: RulesInput,
) -> Problem | Rules | None:
    """Replace a connection's sync rules: eligibility, leaving statuses, attribute
    mapping, match order and the deprovision limit. Omitted parts take their defaults.

    Args:
        connection (str):
        body (RulesInput): A rules document as sent; every part is optional and takes its default
            when omitted.

            An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
            or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
            `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
            (a boolean). Paths read the person: `department`, `name.given_name`,
            `attributes.location`. A mapping rule is `{"from": "<path>"}`,
            `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
            with an optional `"transform"` of `lower`, `upper` or `trim`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Rules
    """

    return sync_detailed(
        connection=connection,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    connection: str,
    *,
    client: AuthenticatedClient | Client,
    body: RulesInput,
) -> Response[Problem | Rules]:
    """Replace a connection's sync rules: eligibility, leaving statuses, attribute
    mapping, match order and the deprovision limit. Omitted parts take their defaults.

    Args:
        connection (str):
        body (RulesInput): A rules document as sent; every part is optional and takes its default
            when omitted.

            An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
            or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
            `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
            (a boolean). Paths read the person: `department`, `name.given_name`,
            `attributes.location`. A mapping rule is `{"from": "<path>"}`,
            `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
            with an optional `"transform"` of `lower`, `upper` or `trim`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Rules]
    """

    kwargs = _get_kwargs(
        connection=connection,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    connection: str,
    *,
    client: AuthenticatedClient | Client,
    body: RulesInput,
) -> Problem | Rules | None:
    """Replace a connection's sync rules: eligibility, leaving statuses, attribute
    mapping, match order and the deprovision limit. Omitted parts take their defaults.

    Args:
        connection (str):
        body (RulesInput): A rules document as sent; every part is optional and takes its default
            when omitted.

            An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
            or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
            `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
            (a boolean). Paths read the person: `department`, `name.given_name`,
            `attributes.location`. A mapping rule is `{"from": "<path>"}`,
            `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
            with an optional `"transform"` of `lower`, `upper` or `trim`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Rules
    """

    return (
        await asyncio_detailed(
            connection=connection,
            client=client,
            body=body,
        )
    ).parsed
