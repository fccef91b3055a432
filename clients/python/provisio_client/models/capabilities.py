from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.update_strategy import UpdateStrategy

T = TypeVar("T", bound="Capabilities")


@_attrs_define
class Capabilities:
    """Which user operations the app supports, and how provisio performs them.

    Attributes:
        delete (bool): Whether `DELETE /users/{id}` removes the account (otherwise it is refused; deactivate instead).
        filters (list[str]): SCIM attributes the app can filter on.
        groups (bool): Whether the app may have SCIM Groups (for generic SCIM apps, their
            `/ResourceTypes` decides; `POST …/test` reports it).
        notes (list[str]): What else to know about the app's behaviour.
        reactivate (bool): Whether deactivated accounts can be reactivated.
        update (UpdateStrategy):
    """

    delete: bool
    filters: list[str]
    groups: bool
    notes: list[str]
    reactivate: bool
    update: UpdateStrategy
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delete = self.delete

        filters = self.filters

        groups = self.groups

        notes = self.notes

        reactivate = self.reactivate

        update = self.update.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "delete": delete,
                "filters": filters,
                "groups": groups,
                "notes": notes,
                "reactivate": reactivate,
                "update": update,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delete = d.pop("delete")

        filters = cast(list[str], d.pop("filters"))

        groups = d.pop("groups")

        notes = cast(list[str], d.pop("notes"))

        reactivate = d.pop("reactivate")

        update = UpdateStrategy(d.pop("update"))

        capabilities = cls(
            delete=delete,
            filters=filters,
            groups=groups,
            notes=notes,
            reactivate=reactivate,
            update=update,
        )

        capabilities.additional_properties = d
        return capabilities

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
