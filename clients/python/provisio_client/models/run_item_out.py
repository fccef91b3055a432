from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.action import Action
from ..models.item_status import ItemStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="RunItemOut")


@_attrs_define
class RunItemOut:
    """One change of a run and how it ended.

    Attributes:
        action (Action):
        attempts (int): Times an instance took the item (more than 1 after a crash or a lapsed lease).
        seq (int):
        status (ItemStatus):
        updated_at (datetime.datetime):
        error_code (None | str | Unset):
        error_detail (None | str | Unset):
        external_id (None | str | Unset):
        group (None | str | Unset): The group, for `create_group`, `add_members` and `remove_members`.
        members (int | None | Unset): How many members the batch adds or removes.
        user_id (None | str | Unset):
        user_name (None | str | Unset):
    """

    action: Action
    attempts: int
    seq: int
    status: ItemStatus
    updated_at: datetime.datetime
    error_code: None | str | Unset = UNSET
    error_detail: None | str | Unset = UNSET
    external_id: None | str | Unset = UNSET
    group: None | str | Unset = UNSET
    members: int | None | Unset = UNSET
    user_id: None | str | Unset = UNSET
    user_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        attempts = self.attempts

        seq = self.seq

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        error_detail: None | str | Unset
        if isinstance(self.error_detail, Unset):
            error_detail = UNSET
        else:
            error_detail = self.error_detail

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        group: None | str | Unset
        if isinstance(self.group, Unset):
            group = UNSET
        else:
            group = self.group

        members: int | None | Unset
        if isinstance(self.members, Unset):
            members = UNSET
        else:
            members = self.members

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
                "action": action,
                "attempts": attempts,
                "seq": seq,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if error_detail is not UNSET:
            field_dict["error_detail"] = error_detail
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if group is not UNSET:
            field_dict["group"] = group
        if members is not UNSET:
            field_dict["members"] = members
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if user_name is not UNSET:
            field_dict["user_name"] = user_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = Action(d.pop("action"))

        attempts = d.pop("attempts")

        seq = d.pop("seq")

        status = ItemStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_error_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_detail = _parse_error_detail(d.pop("error_detail", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group = _parse_group(d.pop("group", UNSET))

        def _parse_members(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        members = _parse_members(d.pop("members", UNSET))

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

        run_item_out = cls(
            action=action,
            attempts=attempts,
            seq=seq,
            status=status,
            updated_at=updated_at,
            error_code=error_code,
            error_detail=error_detail,
            external_id=external_id,
            group=group,
            members=members,
            user_id=user_id,
            user_name=user_name,
        )

        run_item_out.additional_properties = d
        return run_item_out

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
