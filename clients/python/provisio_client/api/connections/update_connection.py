from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.connection_out import ConnectionOut
from ...models.connection_patch import ConnectionPatch
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    connection: str,
    *,
    body: ConnectionPatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/connections/{connection}".format(
            connection=quote(str(connection), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/merge-patch+json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConnectionOut | Problem | None:
    if response.status_code == 200:
        response_200 = ConnectionOut.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ConnectionOut | Problem]:
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
    body: ConnectionPatch,
) -> Response[ConnectionOut | Problem]:
    """Change a connection: rename it, move it, replace its credentials or settings.

    Args:
        connection (str):
        body (ConnectionPatch): Changes to a connection (JSON merge patch): absent keeps, `null`
            resets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionOut | Problem]
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
    body: ConnectionPatch,
) -> ConnectionOut | Problem | None:
    """Change a connection: rename it, move it, replace its credentials or settings.

    Args:
        connection (str):
        body (ConnectionPatch): Changes to a connection (JSON merge patch): absent keeps, `null`
            resets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionOut | Problem
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
    body: ConnectionPatch,
) -> Response[ConnectionOut | Problem]:
    """Change a connection: rename it, move it, replace its credentials or settings.

    Args:
        connection (str):
        body (ConnectionPatch): Changes to a connection (JSON merge patch): absent keeps, `null`
            resets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionOut | Problem]
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
    body: ConnectionPatch,
) -> ConnectionOut | Problem | None:
    """Change a connection: rename it, move it, replace its credentials or settings.

    Args:
        connection (str):
        body (ConnectionPatch): Changes to a connection (JSON merge patch): absent keeps, `null`
            resets.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionOut | Problem
    """

    return (
        await asyncio_detailed(
            connection=connection,
            client=client,
            body=body,
        )
    ).parsed
