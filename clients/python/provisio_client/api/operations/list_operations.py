import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.operation_list import OperationList
from ...models.outcome import Outcome
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    connection: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    user_name: str | Unset = UNSET,
    outcome: Outcome | Unset = UNSET,
    run_id: UUID | Unset = UNSET,
    group_id: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["connection"] = connection

    params["user_id"] = user_id

    params["user_name"] = user_name

    json_outcome: str | Unset = UNSET
    if not isinstance(outcome, Unset):
        json_outcome = outcome.value

    params["outcome"] = json_outcome

    json_run_id: str | Unset = UNSET
    if not isinstance(run_id, Unset):
        json_run_id = str(run_id)
    params["run_id"] = json_run_id

    params["group_id"] = group_id

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["page_size"] = page_size

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/operations",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> OperationList | Problem | None:
    if response.status_code == 200:
        response_200 = OperationList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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
) -> Response[OperationList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    connection: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    user_name: str | Unset = UNSET,
    outcome: Outcome | Unset = UNSET,
    run_id: UUID | Unset = UNSET,
    group_id: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[OperationList | Problem]:
    """List the operation log, newest first.

    Args:
        connection (str | Unset):
        user_id (str | Unset):
        user_name (str | Unset):
        outcome (Outcome | Unset):
        run_id (UUID | Unset):
        group_id (str | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationList | Problem]
    """

    kwargs = _get_kwargs(
        connection=connection,
        user_id=user_id,
        user_name=user_name,
        outcome=outcome,
        run_id=run_id,
        group_id=group_id,
        from_=from_,
        to=to,
        page_size=page_size,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    connection: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    user_name: str | Unset = UNSET,
    outcome: Outcome | Unset = UNSET,
    run_id: UUID | Unset = UNSET,
    group_id: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> OperationList | Problem | None:
    """List the operation log, newest first.

    Args:
        connection (str | Unset):
        user_id (str | Unset):
        user_name (str | Unset):
        outcome (Outcome | Unset):
        run_id (UUID | Unset):
        group_id (str | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationList | Problem
    """

    return sync_detailed(
        client=client,
        connection=connection,
        user_id=user_id,
        user_name=user_name,
        outcome=outcome,
        run_id=run_id,
        group_id=group_id,
        from_=from_,
        to=to,
        page_size=page_size,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    connection: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    user_name: str | Unset = UNSET,
    outcome: Outcome | Unset = UNSET,
    run_id: UUID | Unset = UNSET,
    group_id: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[OperationList | Problem]:
    """List the operation log, newest first.

    Args:
        connection (str | Unset):
        user_id (str | Unset):
        user_name (str | Unset):
        outcome (Outcome | Unset):
        run_id (UUID | Unset):
        group_id (str | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationList | Problem]
    """

    kwargs = _get_kwargs(
        connection=connection,
        user_id=user_id,
        user_name=user_name,
        outcome=outcome,
        run_id=run_id,
        group_id=group_id,
        from_=from_,
        to=to,
        page_size=page_size,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    connection: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    user_name: str | Unset = UNSET,
    outcome: Outcome | Unset = UNSET,
    run_id: UUID | Unset = UNSET,
    group_id: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> OperationList | Problem | None:
    """List the operation log, newest first.

    Args:
        connection (str | Unset):
        user_id (str | Unset):
        user_name (str | Unset):
        outcome (Outcome | Unset):
        run_id (UUID | Unset):
        group_id (str | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            connection=connection,
            user_id=user_id,
            user_name=user_name,
            outcome=outcome,
            run_id=run_id,
            group_id=group_id,
            from_=from_,
            to=to,
            page_size=page_size,
            cursor=cursor,
        )
    ).parsed
