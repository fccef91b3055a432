from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.role_when_type_0 import RoleWhenType0


T = TypeVar("T", bound="Role")


@_attrs_define
class Role:
    """One role: who has it (`when`; everyone eligible when absent) and the
    groups (display names or ids) it gives.

        Attributes:
            groups (list[str]):
            name (str):
            when (None | RoleWhenType0 | Unset):
    """

    groups: list[str]
    name: str
    when: None | RoleWhenType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.role_when_type_0 import RoleWhenType0  # noqa: PLC0415

        groups = self.groups

        name = self.name

        when: dict[str, Any] | None | Unset
        if isinstance(self.when, Unset):
            when = UNSET
        elif isinstance(self.when, RoleWhenType0):
            when = self.when.to_dict()
        else:
            when = self.when

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "groups": groups,
                "name": name,
            }
        )
        if when is not UNSET:
            field_dict["when"] = when

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.role_when_type_0 import RoleWhenType0  # noqa: PLC0415

        d = dict(src_dict)
        groups = cast(list[str], d.pop("groups"))

        name = d.pop("name")

        def _parse_when(data: object) -> None | RoleWhenType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                when_type_0 = RoleWhenType0.from_dict(data)

                return when_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RoleWhenType0 | Unset, data)

        when = _parse_when(d.pop("when", UNSET))

        role = cls(
            groups=groups,
            name=name,
            when=when,
        )

        role.additional_properties = d
        return role

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
