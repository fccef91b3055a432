from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewGroup")


@_attrs_define
class NewGroup:
    """A new group.

    Attributes:
        display_name (str):  Example: Engineering.
        external_id (None | str | Unset):
        members (list[str] | Unset): User ids to make members at once.
    """

    display_name: str
    external_id: None | str | Unset = UNSET
    members: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        display_name = self.display_name

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        members: list[str] | Unset = UNSET
        if not isinstance(self.members, Unset):
            members = self.members

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "display_name": display_name,
            }
        )
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if members is not UNSET:
            field_dict["members"] = members

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        display_name = d.pop("display_name")

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        members = cast(list[str], d.pop("members", UNSET))

        new_group = cls(
            display_name=display_name,
            external_id=external_id,
            members=members,
        )

        return new_group
