from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SettingSpec")


@_attrs_define
class SettingSpec:
    """One setting a connection may carry. `type` says what its value may be and
    which of `max_len`, `values`, `min` and `max` come with it.

        Attributes:
            description (str):
            name (str): The key in a connection's `settings`. Example: customer_id.
            required (bool): Whether a connection must carry it.
            type_ (str): `identifier`, `one_of` or `integer` (more may be added). Example: one_of.
            max_ (int | Unset): With `integer`: the largest accepted value.
            max_len (int | Unset): With `identifier`: a string of `[A-Za-z0-9._-]`, at most this long.
            min_ (int | Unset): With `integer`: the smallest accepted value.
            values (list[str] | Unset): With `one_of`: the accepted values, matched ignoring case and stored in the listed
                spelling.
    """

    description: str
    name: str
    required: bool
    type_: str
    max_: int | Unset = UNSET
    max_len: int | Unset = UNSET
    min_: int | Unset = UNSET
    values: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        name = self.name

        required = self.required

        type_ = self.type_

        max_ = self.max_

        max_len = self.max_len

        min_ = self.min_

        values: list[str] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "description": description,
                "name": name,
                "required": required,
                "type": type_,
            }
        )
        if max_ is not UNSET:
            field_dict["max"] = max_
        if max_len is not UNSET:
            field_dict["max_len"] = max_len
        if min_ is not UNSET:
            field_dict["min"] = min_
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description")

        name = d.pop("name")

        required = d.pop("required")

        type_ = d.pop("type")

        max_ = d.pop("max", UNSET)

        max_len = d.pop("max_len", UNSET)

        min_ = d.pop("min", UNSET)

        values = cast(list[str], d.pop("values", UNSET))

        setting_spec = cls(
            description=description,
            name=name,
            required=required,
            type_=type_,
            max_=max_,
            max_len=max_len,
            min_=min_,
            values=values,
        )

        setting_spec.additional_properties = d
        return setting_spec

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
