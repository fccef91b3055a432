from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckOut")


@_attrs_define
class CheckOut:
    """
    Attributes:
        detail (str): What was found, for a person to act on.
        name (str): `reach`, `authenticate`, `list_users`, `service_provider_config`,
            `count_parameter`, `filter`, `filter_case`, `paging`, `page_size`,
            `groups`; with `write`: `create`, `location`, `external_id`,
            `patch_answer`, `etag`, `patch_attributes`, `cleanup`.
        ok (bool):
        code (None | str | Unset):
        consequence (None | str | Unset): What the finding costs and how provisio adapts, where the app bends the
            standard.
    """

    detail: str
    name: str
    ok: bool
    code: None | str | Unset = UNSET
    consequence: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        name = self.name

        ok = self.ok

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        consequence: None | str | Unset
        if isinstance(self.consequence, Unset):
            consequence = UNSET
        else:
            consequence = self.consequence

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "detail": detail,
                "name": name,
                "ok": ok,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if consequence is not UNSET:
            field_dict["consequence"] = consequence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        name = d.pop("name")

        ok = d.pop("ok")

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        def _parse_consequence(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        consequence = _parse_consequence(d.pop("consequence", UNSET))

        check_out = cls(
            detail=detail,
            name=name,
            ok=ok,
            code=code,
            consequence=consequence,
        )

        check_out.additional_properties = d
        return check_out

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
