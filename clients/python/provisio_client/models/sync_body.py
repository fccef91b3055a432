from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.deprovision import Deprovision
from ..models.sync_mode import SyncMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.person import Person


T = TypeVar("T", bound="SyncBody")


@_attrs_define
class SyncBody:
    """A sync request.

    Attributes:
        adopt (bool | None | Unset): Also deprovision accounts provisio does not manage: orphans (no person
            claims them) and accounts matched to a leaver. Off by default: they are
            only reported. With `plan_id`, the plan's; if sent, it must be the same.
        deprovision (Deprovision | None | Unset):
        force (bool | Unset): Apply even when the plan deprovisions more than the connection's limit.
        mode (SyncMode | Unset): What to do with the people sent.
        people (list[Person] | None | Unset): Everyone who should have an account, keyed by `external_id`; managed
            accounts of people missing here are deprovisioned. Required to plan;
            with `plan_id` optional, and if sent must be what was planned.
        plan_id (None | Unset | UUID): Apply exactly this plan (mode `apply` only); refused with `plan_stale`
            if the app, the managed accounts, the rules or the input changed since.
    """

    adopt: bool | None | Unset = UNSET
    deprovision: Deprovision | None | Unset = UNSET
    force: bool | Unset = UNSET
    mode: SyncMode | Unset = UNSET
    people: list[Person] | None | Unset = UNSET
    plan_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        adopt: bool | None | Unset
        if isinstance(self.adopt, Unset):
            adopt = UNSET
        else:
            adopt = self.adopt

        deprovision: None | str | Unset
        if isinstance(self.deprovision, Unset):
            deprovision = UNSET
        elif isinstance(self.deprovision, Deprovision):
            deprovision = self.deprovision.value
        else:
            deprovision = self.deprovision

        force = self.force

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        people: list[dict[str, Any]] | None | Unset
        if isinstance(self.people, Unset):
            people = UNSET
        elif isinstance(self.people, list):
            people = []
            for people_type_0_item_data in self.people:
                people_type_0_item = people_type_0_item_data.to_dict()
                people.append(people_type_0_item)

        else:
            people = self.people

        plan_id: None | str | Unset
        if isinstance(self.plan_id, Unset):
            plan_id = UNSET
        elif isinstance(self.plan_id, UUID):
            plan_id = str(self.plan_id)
        else:
            plan_id = self.plan_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if adopt is not UNSET:
            field_dict["adopt"] = adopt
        if deprovision is not UNSET:
            field_dict["deprovision"] = deprovision
        if force is not UNSET:
            field_dict["force"] = force
        if mode is not UNSET:
            field_dict["mode"] = mode
        if people is not UNSET:
            field_dict["people"] = people
        if plan_id is not UNSET:
            field_dict["plan_id"] = plan_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.person import Person  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_adopt(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        adopt = _parse_adopt(d.pop("adopt", UNSET))

        def _parse_deprovision(data: object) -> Deprovision | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deprovision_type_0 = Deprovision(data)

                return deprovision_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Deprovision | None | Unset, data)

        deprovision = _parse_deprovision(d.pop("deprovision", UNSET))

        force = d.pop("force", UNSET)

        _mode = d.pop("mode", UNSET)
        mode: SyncMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = SyncMode(_mode)

        def _parse_people(data: object) -> list[Person] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                people_type_0 = []
                _people_type_0 = data
                for people_type_0_item_data in _people_type_0:
                    people_type_0_item = Person.from_dict(people_type_0_item_data)

                    people_type_0.append(people_type_0_item)

                return people_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Person] | None | Unset, data)

        people = _parse_people(d.pop("people", UNSET))

        def _parse_plan_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                plan_id_type_0 = UUID(data)

                return plan_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        plan_id = _parse_plan_id(d.pop("plan_id", UNSET))

        sync_body = cls(
            adopt=adopt,
            deprovision=deprovision,
            force=force,
            mode=mode,
            people=people,
            plan_id=plan_id,
        )

        return sync_body
