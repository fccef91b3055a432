from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.membership_change import MembershipChange
from ...models.membership_result import MembershipResult
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    connection: str,
    group_id: str,
    *,
    body: MembershipChange,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/connections/{connection}/groups/{group_id}/members".format(
            connection=quote(str(connection), safe=""),
            group_id=quote(str(group_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MembershipResult | Problem | None:
    if response.status_code == 200:
        response_200 = MembershipResult.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = Problem.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[MembershipResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    connection: str,
    group_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MembershipChange,
    idempotency_key: str | Unset = UNSET,
) -> Response[MembershipResult | Problem]:
    """Add and remove members (up to 1,000 ids). Adding a member twice or
    removing a non-member is not an error: it counts as `unchanged`.

    Args:
        connection (str):
        group_id (str):
        idempotency_key (str | Unset):
        body (MembershipChange): Members to add and to remove, by user id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MembershipResult | Problem]
    """

    kwargs = _get_kwargs(
        connection=connection,
        group_id=group_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    connection: str,
    group_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MembershipChange,
    idempotency_key: str | Unset = UNSET,
) -> MembershipResult | Problem | None:
    """Add and remove members (up to 1,000 ids). Adding a member twice or
    removing a non-member is not an error: it counts as `unchanged`.

    Args:
        connection (str):
        group_id (str):
        idempotency_key (str | Unset):
        body (MembershipChange): Members to add and to remove, by user id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MembershipResult | Problem
    """

    return sync_detailed(
        connection=connection,
        group_id=group_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    connection: str,
    group_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MembershipChange,
    idempotency_key: str | Unset = UNSET,
) -> Response[MembershipResult | Problem]:
    """Add and remove members (up to 1,000 ids). Adding a member twice or
    removing a non-member is not an error: it counts as `unchanged`.

    Args:
        connection (str):
        group_id (str):
        idempotency_key (str | Unset):
        body (MembershipChange): Members to add and to remove, by user id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MembershipResult | Problem]
    """

    kwargs = _get_kwargs(
        connection=connection,
        group_id=group_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    connection: str,
    group_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MembershipChange,
    idempotency_key: str | Unset = UNSET,
) -> MembershipResult | Problem | None:
    """Add and remove members (up to 1,000 ids). Adding a member twice or
    removing a non-member is not an error: it counts as `unchanged`.

    Args:
        connection (str):
        group_id (str):
        idempotency_key (str | Unset):
        body (MembershipChange): Members to add and to remove, by user id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MembershipResult | Problem
    """

    return (
        await asyncio_detailed(
            connection=connection,
            group_id=group_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
