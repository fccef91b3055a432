from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Totals")


@_attrs_define
class Totals:
    """
    Attributes:
        accounts (int):
        conflict (int):
        create (int):
        deactivate (int):
        orphans (int):
        people (int):
        reactivate (int):
        unchanged (int):
        update (int):
        groups_created (int | Unset): Groups the plan creates (`groups.create_missing`).
        membership_conflicts (int | Unset): Memberships that cannot be made (a role names a group the app lacks).
        memberships_added (int | Unset): Memberships of managed groups the plan adds.
        memberships_removed (int | Unset): Memberships of managed groups the plan removes.
    """

    accounts: int
    conflict: int
    create: int
    deactivate: int
    orphans: int
    people: int
    reactivate: int
    unchanged: int
    update: int
    groups_created: int | Unset = UNSET
    membership_conflicts: int | Unset = UNSET
    memberships_added: int | Unset = UNSET
    memberships_removed: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accounts = self.accounts

        conflict = self.conflict

        create = self.create

        deactivate = self.deactivate

        orphans = self.orphans

        people = self.people

        reactivate = self.reactivate

        unchanged = self.unchanged

        update = self.update

        groups_created = self.groups_created

        membership_conflicts = self.membership_conflicts

        memberships_added = self.memberships_added

        memberships_removed = self.memberships_removed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accounts": accounts,
                "conflict": conflict,
                "create": create,
                "deactivate": deactivate,
                "orphans": orphans,
                "people": people,
                "reactivate": reactivate,
                "unchanged": unchanged,
                "update": update,
            }
        )
        if groups_created is not UNSET:
            field_dict["groups_created"] = groups_created
        if membership_conflicts is not UNSET:
            field_dict["membership_conflicts"] = membership_conflicts
        if memberships_added is not UNSET:
            field_dict["memberships_added"] = memberships_added
        if memberships_removed is not UNSET:
            field_dict["memberships_removed"] = memberships_removed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        accounts = d.pop("accounts")

        conflict = d.pop("conflict")

        create = d.pop("create")

        deactivate = d.pop("deactivate")

        orphans = d.pop("orphans")

        people = d.pop("people")

        reactivate = d.pop("reactivate")

        unchanged = d.pop("unchanged")

        update = d.pop("update")

        groups_created = d.pop("groups_created", UNSET)

        membership_conflicts = d.pop("membership_conflicts", UNSET)

        memberships_added = d.pop("memberships_added", UNSET)

        memberships_removed = d.pop("memberships_removed", UNSET)

        totals = cls(
            accounts=accounts,
            conflict=conflict,
            create=create,
            deactivate=deactivate,
            orphans=orphans,
            people=people,
            reactivate=reactivate,
            unchanged=unchanged,
            update=update,
            groups_created=groups_created,
            membership_conflicts=membership_conflicts,
            memberships_added=memberships_added,
            memberships_removed=memberships_removed,
        )

        totals.additional_properties = d
        return totals

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
