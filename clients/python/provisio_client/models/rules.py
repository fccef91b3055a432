from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.match_key import MatchKey
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.deprovision_limit import DeprovisionLimit
    from ..models.group_options import GroupOptions
    from ..models.role import Role
    from ..models.rules_eligibility_type_0 import RulesEligibilityType0
    from ..models.rules_mapping import RulesMapping


T = TypeVar("T", bound="Rules")


@_attrs_define
class Rules:
    """
    Attributes:
        deprovision_limit (DeprovisionLimit):
        groups (GroupOptions): How sync treats the managed groups.
        leaving_statuses (list[str]): `attributes.employment_status` values that mean the person is leaving (matched
            ignoring case).
        mapping (RulesMapping): Target field → where its value comes from. Targets: the unified fields in
            `GET /v1/providers` (`mappable_fields`), `email`, `phone`, or `extensions.<urn>.<attribute>`.
        match_order (list[MatchKey]): How existing accounts are matched, in order.
        roles (list[Role]): Which people are in which of the app's groups.
        eligibility (None | RulesEligibilityType0 | Unset): Who should have an account; absent means everyone sent.
    """

    deprovision_limit: DeprovisionLimit
    groups: GroupOptions
    leaving_statuses: list[str]
    mapping: RulesMapping
    match_order: list[MatchKey]
    roles: list[Role]
    eligibility: None | RulesEligibilityType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.rules_eligibility_type_0 import RulesEligibilityType0  # noqa: PLC0415

        deprovision_limit = self.deprovision_limit.to_dict()

        groups = self.groups.to_dict()

        leaving_statuses = self.leaving_statuses

        mapping = self.mapping.to_dict()

        match_order = []
        for match_order_item_data in self.match_order:
            match_order_item = match_order_item_data.value
            match_order.append(match_order_item)

        roles = []
        for roles_item_data in self.roles:
            roles_item = roles_item_data.to_dict()
            roles.append(roles_item)

        eligibility: dict[str, Any] | None | Unset
        if isinstance(self.eligibility, Unset):
            eligibility = UNSET
        elif isinstance(self.eligibility, RulesEligibilityType0):
            eligibility = self.eligibility.to_dict()
        else:
            eligibility = self.eligibility

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deprovision_limit": deprovision_limit,
                "groups": groups,
                "leaving_statuses": leaving_statuses,
                "mapping": mapping,
                "match_order": match_order,
                "roles": roles,
            }
        )
        if eligibility is not UNSET:
            field_dict["eligibility"] = eligibility

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deprovision_limit import DeprovisionLimit  # noqa: PLC0415
        from ..models.group_options import GroupOptions  # noqa: PLC0415
        from ..models.role import Role  # noqa: PLC0415
        from ..models.rules_eligibility_type_0 import RulesEligibilityType0  # noqa: PLC0415
        from ..models.rules_mapping import RulesMapping  # noqa: PLC0415

        d = dict(src_dict)
        deprovision_limit = DeprovisionLimit.from_dict(d.pop("deprovision_limit"))

        groups = GroupOptions.from_dict(d.pop("groups"))

        leaving_statuses = cast(list[str], d.pop("leaving_statuses"))

        mapping = RulesMapping.from_dict(d.pop("mapping"))

        match_order = []
        _match_order = d.pop("match_order")
        for match_order_item_data in _match_order:
            match_order_item = MatchKey(match_order_item_data)

            match_order.append(match_order_item)

        roles = []
        _roles = d.pop("roles")
        for roles_item_data in _roles:
            roles_item = Role.from_dict(roles_item_data)

            roles.append(roles_item)

        def _parse_eligibility(data: object) -> None | RulesEligibilityType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                eligibility_type_0 = RulesEligibilityType0.from_dict(data)

                return eligibility_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RulesEligibilityType0 | Unset, data)

        eligibility = _parse_eligibility(d.pop("eligibility", UNSET))

        rules = cls(
            deprovision_limit=deprovision_limit,
            groups=groups,
            leaving_statuses=leaving_statuses,
            mapping=mapping,
            match_order=match_order,
            roles=roles,
            eligibility=eligibility,
        )

        rules.additional_properties = d
        return rules

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
