from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.action import Action
from ...models.item_status import ItemStatus
from ...models.problem import Problem
from ...models.sync_run_item_list import SyncRunItemList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    run_id: UUID,
    *,
    status: ItemStatus | Unset = UNSET,
    action: Action | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_action: str | Unset = UNSET
    if not isinstance(action, Unset):
        json_action = action.value

    params["action"] = json_action

    params["page_size"] = page_size

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/sync-runs/{run_id}/items".format(
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SyncRunItemList | None:
    if response.status_code == 200:
        response_200 = SyncRunItemList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | SyncRunItemList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    run_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ItemStatus | Unset = UNSET,
    action: Action | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[Problem | SyncRunItemList]:
    """List a run's items in order, a page at a time, optionally only those in one
    status (`failed`, say) or of one action: what a frontend watching a large run
    reads instead of the whole run.

    Args:
        run_id (UUID):
        status (ItemStatus | Unset):
        action (Action | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SyncRunItemList]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        status=status,
        action=action,
        page_size=page_size,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    run_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ItemStatus | Unset = UNSET,
    action: Action | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Problem | SyncRunItemList | None:
    """List a run's items in order, a page at a time, optionally only those in one
    status (`failed`, say) or of one action: what a frontend watching a large run
    reads instead of the whole run.

    Args:
        run_id (UUID):
        status (ItemStatus | Unset):
        action (Action | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SyncRunItemList
    """

    return sync_detailed(
        run_id=run_id,
        client=client,
        status=status,
        action=action,
        page_size=page_size,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    run_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ItemStatus | Unset = UNSET,
    action: Action | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[Problem | SyncRunItemList]:
    """List a run's items in order, a page at a time, optionally only those in one
    status (`failed`, say) or of one action: what a frontend watching a large run
    reads instead of the whole run.

    Args:
        run_id (UUID):
        status (ItemStatus | Unset):
        action (Action | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SyncRunItemList]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        status=status,
        action=action,
        page_size=page_size,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    run_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    status: ItemStatus | Unset = UNSET,
    action: Action | Unset = UNSET,
    page_size: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Problem | SyncRunItemList | None:
    """List a run's items in order, a page at a time, optionally only those in one
    status (`failed`, say) or of one action: what a frontend watching a large run
    reads instead of the whole run.

    Args:
        run_id (UUID):
        status (ItemStatus | Unset):
        action (Action | Unset):
        page_size (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SyncRunItemList
    """

    return (
        await asyncio_detailed(
            run_id=run_id,
            client=client,
            status=status,
            action=action,
            page_size=page_size,
            cursor=cursor,
        )
    ).parsed
