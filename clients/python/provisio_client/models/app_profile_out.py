from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.app_profile import AppProfile


T = TypeVar("T", bound="AppProfileOut")


@_attrs_define
class AppProfileOut:
    """How the app behaves, as far as provisio knows: what it acts on (learned by
    `POST …/test` and by ordinary calls, with the overrides over it), and the
    overrides set by hand. A fact left out is not known; provisio then assumes
    what the SCIM standard says.

        Attributes:
            overrides (AppProfile): What provisio knows about an app's SCIM behaviour.
            count_param (bool | None | Unset): Whether listings may carry `count`. `false`: the app fails with it, so
                provisio lists without it and pages through what the app sends.
            etag (bool | None | Unset): Whether the app versions resources (ETags), so a PUT can carry `If-Match`.
            filter_ignores_case (bool | None | Unset): Whether `userName eq` matches ignoring case, as RFC 7643 says.
                `false`:
                a lookup that finds nothing tries the managed account's exact name,
                then reads every account.
            filters (bool | None | Unset): Whether the app applies `filter`. `false`: it returns everyone, so a
                lookup reads every account and filters on provisio's side.
            groups (bool | None | Unset): Whether the app has SCIM Groups.
            keeps_external_id (bool | None | Unset): Whether the app keeps `externalId`. `false`: people are matched to
                accounts by user name and email, and a plan says so.
            max_page_size (int | None | Unset): The largest page the app serves; account walks ask for pages this large.
            paging_consistent (bool | None | Unset): Whether a page past the end comes back empty. `false`: the app repeats
                pages there, so paging stops at `totalResults` and repeated ids are dropped.
            patch (bool | None | Unset): Whether the app takes SCIM PATCH (else changes are GET-merge-PUT).
            patch_honours_attributes (bool | None | Unset): Whether a PATCH naming `attributes` answers 200 with the
                resource, as
                RFC 7644 §3.5.2 requires. `false`: the app answers 204 anyway or refuses
                the parameter, so after a 204 provisio reads the user back.
            patch_returns_resource (bool | None | Unset): Whether a PATCH answers with the resource (`false`: 204, so
                provisio
                asks for it in the same call, or reads it back).
            probed_at (datetime.datetime | None | Unset): When the connection test last probed the app.
    """

    overrides: AppProfile
    count_param: bool | None | Unset = UNSET
    etag: bool | None | Unset = UNSET
    filter_ignores_case: bool | None | Unset = UNSET
    filters: bool | None | Unset = UNSET
    groups: bool | None | Unset = UNSET
    keeps_external_id: bool | None | Unset = UNSET
    max_page_size: int | None | Unset = UNSET
    paging_consistent: bool | None | Unset = UNSET
    patch: bool | None | Unset = UNSET
    patch_honours_attributes: bool | None | Unset = UNSET
    patch_returns_resource: bool | None | Unset = UNSET
    probed_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        overrides = self.overrides.to_dict()

        count_param: bool | None | Unset
        if isinstance(self.count_param, Unset):
            count_param = UNSET
        else:
            count_param = self.count_param

        etag: bool | None | Unset
        if isinstance(self.etag, Unset):
            etag = UNSET
        else:
            etag = self.etag

        filter_ignores_case: bool | None | Unset
        if isinstance(self.filter_ignores_case, Unset):
            filter_ignores_case = UNSET
        else:
            filter_ignores_case = self.filter_ignores_case

        filters: bool | None | Unset
        if isinstance(self.filters, Unset):
            filters = UNSET
        else:
            filters = self.filters

        groups: bool | None | Unset
        if isinstance(self.groups, Unset):
            groups = UNSET
        else:
            groups = self.groups

        keeps_external_id: bool | None | Unset
        if isinstance(self.keeps_external_id, Unset):
            keeps_external_id = UNSET
        else:
            keeps_external_id = self.keeps_external_id

        max_page_size: int | None | Unset
        if isinstance(self.max_page_size, Unset):
            max_page_size = UNSET
        else:
            max_page_size = self.max_page_size

        paging_consistent: bool | None | Unset
        if isinstance(self.paging_consistent, Unset):
            paging_consistent = UNSET
        else:
            paging_consistent = self.paging_consistent

        patch: bool | None | Unset
        if isinstance(self.patch, Unset):
            patch = UNSET
        else:
            patch = self.patch

        patch_honours_attributes: bool | None | Unset
        if isinstance(self.patch_honours_attributes, Unset):
            patch_honours_attributes = UNSET
        else:
            patch_honours_attributes = self.patch_honours_attributes

        patch_returns_resource: bool | None | Unset
        if isinstance(self.patch_returns_resource, Unset):
            patch_returns_resource = UNSET
        else:
            patch_returns_resource = self.patch_returns_resource

        probed_at: None | str | Unset
        if isinstance(self.probed_at, Unset):
            probed_at = UNSET
        elif isinstance(self.probed_at, datetime.datetime):
            probed_at = self.probed_at.isoformat()
        else:
            probed_at = self.probed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "overrides": overrides,
            }
        )
        if count_param is not UNSET:
            field_dict["count_param"] = count_param
        if etag is not UNSET:
            field_dict["etag"] = etag
        if filter_ignores_case is not UNSET:
            field_dict["filter_ignores_case"] = filter_ignores_case
        if filters is not UNSET:
            field_dict["filters"] = filters
        if groups is not UNSET:
            field_dict["groups"] = groups
        if keeps_external_id is not UNSET:
            field_dict["keeps_external_id"] = keeps_external_id
        if max_page_size is not UNSET:
            field_dict["max_page_size"] = max_page_size
        if paging_consistent is not UNSET:
            field_dict["paging_consistent"] = paging_consistent
        if patch is not UNSET:
            field_dict["patch"] = patch
        if patch_honours_attributes is not UNSET:
            field_dict["patch_honours_attributes"] = patch_honours_attributes
        if patch_returns_resource is not UNSET:
            field_dict["patch_returns_resource"] = patch_returns_resource
        if probed_at is not UNSET:
            field_dict["probed_at"] = probed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_profile import AppProfile  # noqa: PLC0415

        d = dict(src_dict)
        overrides = AppProfile.from_dict(d.pop("overrides"))

        def _parse_count_param(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        count_param = _parse_count_param(d.pop("count_param", UNSET))

        def _parse_etag(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        etag = _parse_etag(d.pop("etag", UNSET))

        def _parse_filter_ignores_case(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        filter_ignores_case = _parse_filter_ignores_case(d.pop("filter_ignores_case", UNSET))

        def _parse_filters(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        filters = _parse_filters(d.pop("filters", UNSET))

        def _parse_groups(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        groups = _parse_groups(d.pop("groups", UNSET))

        def _parse_keeps_external_id(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        keeps_external_id = _parse_keeps_external_id(d.pop("keeps_external_id", UNSET))

        def _parse_max_page_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_page_size = _parse_max_page_size(d.pop("max_page_size", UNSET))

        def _parse_paging_consistent(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        paging_consistent = _parse_paging_consistent(d.pop("paging_consistent", UNSET))

        def _parse_patch(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        patch = _parse_patch(d.pop("patch", UNSET))

        def _parse_patch_honours_attributes(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        patch_honours_attributes = _parse_patch_honours_attributes(d.pop("patch_honours_attributes", UNSET))

        def _parse_patch_returns_resource(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        patch_returns_resource = _parse_patch_returns_resource(d.pop("patch_returns_resource", UNSET))

        def _parse_probed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                probed_at_type_0 = datetime.datetime.fromisoformat(data)

                return probed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        probed_at = _parse_probed_at(d.pop("probed_at", UNSET))

        app_profile_out = cls(
            overrides=overrides,
            count_param=count_param,
            etag=etag,
            filter_ignores_case=filter_ignores_case,
            filters=filters,
            groups=groups,
            keeps_external_id=keeps_external_id,
            max_page_size=max_page_size,
            paging_consistent=paging_consistent,
            patch=patch,
            patch_honours_attributes=patch_honours_attributes,
            patch_returns_resource=patch_returns_resource,
            probed_at=probed_at,
        )

        app_profile_out.additional_properties = d
        return app_profile_out

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
