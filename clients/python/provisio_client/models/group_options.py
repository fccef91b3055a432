from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.on_deprovision import OnDeprovision

T = TypeVar("T", bound="GroupOptions")


@_attrs_define
class GroupOptions:
    """How sync treats the managed groups.

    Attributes:
        create_missing (bool): Make a group a role names that the app lacks (otherwise the plan warns
            and its memberships are conflicts).
        on_deprovision (OnDeprovision):
    """

    create_missing: bool
    on_deprovision: OnDeprovision
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        create_missing = self.create_missing

        on_deprovision = self.on_deprovision.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "create_missing": create_missing,
                "on_deprovision": on_deprovision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        create_missing = d.pop("create_missing")

        on_deprovision = OnDeprovision(d.pop("on_deprovision"))

        group_options = cls(
            create_missing=create_missing,
            on_deprovision=on_deprovision,
        )

        group_options.additional_properties = d
        return group_options

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
