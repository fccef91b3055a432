from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outcome import Outcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="OperationOut")


@_attrs_define
class OperationOut:
    """One call provisio made to an app.

    Attributes:
        attempts (int): Tries made, retries included.
        connection_id (UUID):
        connection_name (str):
        created_at (datetime.datetime):
        duration_ms (int):
        id (UUID):
        operation (str): `create_user`, `update_user`, `deactivate_user`, `reactivate_user`,
            `delete_user`, `group_create`, `group_update`, `group_delete`,
            `members_add` or `members_remove`.
        outcome (Outcome):
        api_key_id (None | str | Unset): The API key that asked (its id, never the key).
        count (int | None | Unset): Members added or removed, for membership changes.
        error_code (None | str | Unset):
        group_id (None | str | Unset): The group, for group operations.
        provider_status (int | None | Unset): The app's last HTTP status.
        request_id (None | str | Unset):
        run_id (None | Unset | UUID): The sync run that made the change, if any.
        user_id (None | str | Unset):
        user_name (None | str | Unset):
    """

    attempts: int
    connection_id: UUID
    connection_name: str
    created_at: datetime.datetime
    duration_ms: int
    id: UUID
    operation: str
    outcome: Outcome
    api_key_id: None | str | Unset = UNSET
    count: int | None | Unset = UNSET
    error_code: None | str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    provider_status: int | None | Unset = UNSET
    request_id: None | str | Unset = UNSET
    run_id: None | Unset | UUID = UNSET
    user_id: None | str | Unset = UNSET
    user_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        connection_id = str(self.connection_id)

        connection_name = self.connection_name

        created_at = self.created_at.isoformat()

        duration_ms = self.duration_ms

        id = str(self.id)

        operation = self.operation

        outcome = self.outcome.value

        api_key_id: None | str | Unset
        if isinstance(self.api_key_id, Unset):
            api_key_id = UNSET
        else:
            api_key_id = self.api_key_id

        count: int | None | Unset
        if isinstance(self.count, Unset):
            count = UNSET
        else:
            count = self.count

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        provider_status: int | None | Unset
        if isinstance(self.provider_status, Unset):
            provider_status = UNSET
        else:
            provider_status = self.provider_status

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        run_id: None | str | Unset
        if isinstance(self.run_id, Unset):
            run_id = UNSET
        elif isinstance(self.run_id, UUID):
            run_id = str(self.run_id)
        else:
            run_id = self.run_id

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        user_name: None | str | Unset
        if isinstance(self.user_name, Unset):
            user_name = UNSET
        else:
            user_name = self.user_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "connection_id": connection_id,
                "connection_name": connection_name,
                "created_at": created_at,
                "duration_ms": duration_ms,
                "id": id,
                "operation": operation,
                "outcome": outcome,
            }
        )
        if api_key_id is not UNSET:
            field_dict["api_key_id"] = api_key_id
        if count is not UNSET:
            field_dict["count"] = count
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if provider_status is not UNSET:
            field_dict["provider_status"] = provider_status
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if run_id is not UNSET:
            field_dict["run_id"] = run_id
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if user_name is not UNSET:
            field_dict["user_name"] = user_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        connection_id = UUID(d.pop("connection_id"))

        connection_name = d.pop("connection_name")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        duration_ms = d.pop("duration_ms")

        id = UUID(d.pop("id"))

        operation = d.pop("operation")

        outcome = Outcome(d.pop("outcome"))

        def _parse_api_key_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key_id = _parse_api_key_id(d.pop("api_key_id", UNSET))

        def _parse_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        count = _parse_count(d.pop("count", UNSET))

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        def _parse_provider_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        provider_status = _parse_provider_status(d.pop("provider_status", UNSET))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        def _parse_run_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_id_type_0 = UUID(data)

                return run_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        run_id = _parse_run_id(d.pop("run_id", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_user_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_name = _parse_user_name(d.pop("user_name", UNSET))

        operation_out = cls(
            attempts=attempts,
            connection_id=connection_id,
            connection_name=connection_name,
            created_at=created_at,
            duration_ms=duration_ms,
            id=id,
            operation=operation,
            outcome=outcome,
            api_key_id=api_key_id,
            count=count,
            error_code=error_code,
            group_id=group_id,
            provider_status=provider_status,
            request_id=request_id,
            run_id=run_id,
            user_id=user_id,
            user_name=user_name,
        )

        operation_out.additional_properties = d
        return operation_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
