from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.match_key import MatchKey
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.limit_input import LimitInput
    from ..models.rules_input_eligibility_type_0 import RulesInputEligibilityType0
    from ..models.rules_input_mapping_type_0 import RulesInputMappingType0


T = TypeVar("T", bound="RulesInput")


@_attrs_define
class RulesInput:
    """A rules document as sent; every part is optional and takes its default when omitted.

    An eligibility condition is `{"all": [..]}`, `{"any": [..]}`, `{"not": {..}}`,
    or a test `{"attribute": "<path>", "<op>": <value>}` with `<op>` one of
    `equals`, `not_equals`, `in` (an array), `contains`, `starts_with`, `exists`
    (a boolean). Paths read the person: `department`, `name.given_name`,
    `attributes.location`. A mapping rule is `{"from": "<path>"}`,
    `{"value": <constant>}` or `{"template": "{given_name}.{family_name}@example.com"}`,
    with an optional `"transform"` of `lower`, `upper` or `trim`.

        Attributes:
            deprovision_limit (LimitInput | None | Unset):
            eligibility (None | RulesInputEligibilityType0 | Unset): Who should have an account; absent means everyone sent.
            leaving_statuses (list[str] | None | Unset): `attributes.employment_status` values that mean the person is
                leaving (default `["terminated"]`).
            mapping (None | RulesInputMappingType0 | Unset): Target field → rule. Targets are listed per provider in `GET
                /v1/providers` (`mappable_fields`).
            match_order (list[MatchKey] | None | Unset): How existing accounts are matched, in order (default `external_id`,
                `user_name`, `email`).
    """

    deprovision_limit: LimitInput | None | Unset = UNSET
    eligibility: None | RulesInputEligibilityType0 | Unset = UNSET
    leaving_statuses: list[str] | None | Unset = UNSET
    mapping: None | RulesInputMappingType0 | Unset = UNSET
    match_order: list[MatchKey] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.limit_input import LimitInput  # noqa: PLC0415
        from ..models.rules_input_eligibility_type_0 import RulesInputEligibilityType0  # noqa: PLC0415
        from ..models.rules_input_mapping_type_0 import RulesInputMappingType0  # noqa: PLC0415

        deprovision_limit: dict[str, Any] | None | Unset
        if isinstance(self.deprovision_limit, Unset):
            deprovision_limit = UNSET
        elif isinstance(self.deprovision_limit, LimitInput):
            deprovision_limit = self.deprovision_limit.to_dict()
        else:
            deprovision_limit = self.deprovision_limit

        eligibility: dict[str, Any] | None | Unset
        if isinstance(self.eligibility, Unset):
            eligibility = UNSET
        elif isinstance(self.eligibility, RulesInputEligibilityType0):
            eligibility = self.eligibility.to_dict()
        else:
            eligibility = self.eligibility

        leaving_statuses: list[str] | None | Unset
        if isinstance(self.leaving_statuses, Unset):
            leaving_statuses = UNSET
        elif isinstance(self.leaving_statuses, list):
            leaving_statuses = self.leaving_statuses

        else:
            leaving_statuses = self.leaving_statuses

        mapping: dict[str, Any] | None | Unset
        if isinstance(self.mapping, Unset):
            mapping = UNSET
        elif isinstance(self.mapping, RulesInputMappingType0):
            mapping = self.mapping.to_dict()
        else:
            mapping = self.mapping

        match_order: list[str] | None | Unset
        if isinstance(self.match_order, Unset):
            match_order = UNSET
        elif isinstance(self.match_order, list):
            match_order = []
            for match_order_type_0_item_data in self.match_order:
                match_order_type_0_item = match_order_type_0_item_data.value
                match_order.append(match_order_type_0_item)

        else:
            match_order = self.match_order

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if deprovision_limit is not UNSET:
            field_dict["deprovision_limit"] = deprovision_limit
        if eligibility is not UNSET:
            field_dict["eligibility"] = eligibility
        if leaving_statuses is not UNSET:
            field_dict["leaving_statuses"] = leaving_statuses
        if mapping is not UNSET:
            field_dict["mapping"] = mapping
        if match_order is not UNSET:
            field_dict["match_order"] = match_order

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.limit_input import LimitInput  # noqa: PLC0415
        from ..models.rules_input_eligibility_type_0 import RulesInputEligibilityType0  # noqa: PLC0415
        from ..models.rules_input_mapping_type_0 import RulesInputMappingType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_deprovision_limit(data: object) -> LimitInput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                deprovision_limit_type_0 = LimitInput.from_dict(data)

                return deprovision_limit_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LimitInput | None | Unset, data)

        deprovision_limit = _parse_deprovision_limit(d.pop("deprovision_limit", UNSET))

        def _parse_eligibility(data: object) -> None | RulesInputEligibilityType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                eligibility_type_0 = RulesInputEligibilityType0.from_dict(data)

                return eligibility_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RulesInputEligibilityType0 | Unset, data)

        eligibility = _parse_eligibility(d.pop("eligibility", UNSET))

        def _parse_leaving_statuses(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                leaving_statuses_type_0 = cast(list[str], data)

                return leaving_statuses_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        leaving_statuses = _parse_leaving_statuses(d.pop("leaving_statuses", UNSET))

        def _parse_mapping(data: object) -> None | RulesInputMappingType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mapping_type_0 = RulesInputMappingType0.from_dict(data)

                return mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RulesInputMappingType0 | Unset, data)

        mapping = _parse_mapping(d.pop("mapping", UNSET))

        def _parse_match_order(data: object) -> list[MatchKey] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                match_order_type_0 = []
                _match_order_type_0 = data
                for match_order_type_0_item_data in _match_order_type_0:
                    match_order_type_0_item = MatchKey(match_order_type_0_item_data)

                    match_order_type_0.append(match_order_type_0_item)

                return match_order_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[MatchKey] | None | Unset, data)

        match_order = _parse_match_order(d.pop("match_order", UNSET))

        rules_input = cls(
            deprovision_limit=deprovision_limit,
            eligibility=eligibility,
            leaving_statuses=leaving_statuses,
            mapping=mapping,
            match_order=match_order,
        )

        return rules_input
