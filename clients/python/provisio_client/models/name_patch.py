from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NamePatch")


@_attrs_define
class NamePatch:
    """Changes to `name`, field by field.

    Attributes:
        family_name (None | str | Unset):
        formatted (None | str | Unset):
        given_name (None | str | Unset):
        honorific_prefix (None | str | Unset):
        honorific_suffix (None | str | Unset):
        middle_name (None | str | Unset):
    """

    family_name: None | str | Unset = UNSET
    formatted: None | str | Unset = UNSET
    given_name: None | str | Unset = UNSET
    honorific_prefix: None | str | Unset = UNSET
    honorific_suffix: None | str | Unset = UNSET
    middle_name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        family_name: None | str | Unset
        if isinstance(self.family_name, Unset):
            family_name = UNSET
        else:
            family_name = self.family_name

        formatted: None | str | Unset
        if isinstance(self.formatted, Unset):
            formatted = UNSET
        else:
            formatted = self.formatted

        given_name: None | str | Unset
        if isinstance(self.given_name, Unset):
            given_name = UNSET
        else:
            given_name = self.given_name

        honorific_prefix: None | str | Unset
        if isinstance(self.honorific_prefix, Unset):
            honorific_prefix = UNSET
        else:
            honorific_prefix = self.honorific_prefix

        honorific_suffix: None | str | Unset
        if isinstance(self.honorific_suffix, Unset):
            honorific_suffix = UNSET
        else:
            honorific_suffix = self.honorific_suffix

        middle_name: None | str | Unset
        if isinstance(self.middle_name, Unset):
            middle_name = UNSET
        else:
            middle_name = self.middle_name

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if family_name is not UNSET:
            field_dict["family_name"] = family_name
        if formatted is not UNSET:
            field_dict["formatted"] = formatted
        if given_name is not UNSET:
            field_dict["given_name"] = given_name
        if honorific_prefix is not UNSET:
            field_dict["honorific_prefix"] = honorific_prefix
        if honorific_suffix is not UNSET:
            field_dict["honorific_suffix"] = honorific_suffix
        if middle_name is not UNSET:
            field_dict["middle_name"] = middle_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_family_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        family_name = _parse_family_name(d.pop("family_name", UNSET))

        def _parse_formatted(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        formatted = _parse_formatted(d.pop("formatted", UNSET))

        def _parse_given_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        given_name = _parse_given_name(d.pop("given_name", UNSET))

        def _parse_honorific_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        honorific_prefix = _parse_honorific_prefix(d.pop("honorific_prefix", UNSET))

        def _parse_honorific_suffix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        honorific_suffix = _parse_honorific_suffix(d.pop("honorific_suffix", UNSET))

        def _parse_middle_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        middle_name = _parse_middle_name(d.pop("middle_name", UNSET))

        name_patch = cls(
            family_name=family_name,
            formatted=formatted,
            given_name=given_name,
            honorific_prefix=honorific_prefix,
            honorific_suffix=honorific_suffix,
            middle_name=middle_name,
        )

        return name_patch
