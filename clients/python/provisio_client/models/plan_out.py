from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.group_change import GroupChange
    from ..models.orphan import Orphan
    from ..models.plan_item_out import PlanItemOut
    from ..models.totals import Totals
    from ..models.unmanaged_member import UnmanagedMember


T = TypeVar("T", bound="PlanOut")


@_attrs_define
class PlanOut:
    """A plan: what applying it would do. Keep `plan_id` to apply exactly this.

    Attributes:
        connection_id (UUID):
        expires_at (datetime.datetime): After this, the plan cannot be applied; plan again.
        group_changes (list[GroupChange]): Per managed group (the groups the roles name), the memberships
            applying adds and removes.
        items (list[PlanItemOut]):
        orphans (list[Orphan]): Accounts in the app that provisio does not manage and no person claims:
            left alone unless `adopt: true`.
        plan_id (UUID):
        totals (Totals):
        unmanaged_members (list[UnmanagedMember]): Accounts provisio does not manage found in managed groups: left
            alone unless `adopt: true`.
        warnings (list[str]): What to know before applying: why it would be refused unless forced
            (the deprovision limit), a role naming a group the app lacks, how the
            app bends the standard.
    """

    connection_id: UUID
    expires_at: datetime.datetime
    group_changes: list[GroupChange]
    items: list[PlanItemOut]
    orphans: list[Orphan]
    plan_id: UUID
    totals: Totals
    unmanaged_members: list[UnmanagedMember]
    warnings: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        connection_id = str(self.connection_id)

        expires_at = self.expires_at.isoformat()

        group_changes = []
        for group_changes_item_data in self.group_changes:
            group_changes_item = group_changes_item_data.to_dict()
            group_changes.append(group_changes_item)

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        orphans = []
        for orphans_item_data in self.orphans:
            orphans_item = orphans_item_data.to_dict()
            orphans.append(orphans_item)

        plan_id = str(self.plan_id)

        totals = self.totals.to_dict()

        unmanaged_members = []
        for unmanaged_members_item_data in self.unmanaged_members:
            unmanaged_members_item = unmanaged_members_item_data.to_dict()
            unmanaged_members.append(unmanaged_members_item)

        warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "connection_id": connection_id,
                "expires_at": expires_at,
                "group_changes": group_changes,
                "items": items,
                "orphans": orphans,
                "plan_id": plan_id,
                "totals": totals,
                "unmanaged_members": unmanaged_members,
                "warnings": warnings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_change import GroupChange  # noqa: PLC0415
        from ..models.orphan import Orphan  # noqa: PLC0415
        from ..models.plan_item_out import PlanItemOut  # noqa: PLC0415
        from ..models.totals import Totals  # noqa: PLC0415
        from ..models.unmanaged_member import UnmanagedMember  # noqa: PLC0415

        d = dict(src_dict)
        connection_id = UUID(d.pop("connection_id"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        group_changes = []
        _group_changes = d.pop("group_changes")
        for group_changes_item_data in _group_changes:
            group_changes_item = GroupChange.from_dict(group_changes_item_data)

            group_changes.append(group_changes_item)

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PlanItemOut.from_dict(items_item_data)

            items.append(items_item)

        orphans = []
        _orphans = d.pop("orphans")
        for orphans_item_data in _orphans:
            orphans_item = Orphan.from_dict(orphans_item_data)

            orphans.append(orphans_item)

        plan_id = UUID(d.pop("plan_id"))

        totals = Totals.from_dict(d.pop("totals"))

        unmanaged_members = []
        _unmanaged_members = d.pop("unmanaged_members")
        for unmanaged_members_item_data in _unmanaged_members:
            unmanaged_members_item = UnmanagedMember.from_dict(unmanaged_members_item_data)

            unmanaged_members.append(unmanaged_members_item)

        warnings = cast(list[str], d.pop("warnings"))

        plan_out = cls(
            connection_id=connection_id,
            expires_at=expires_at,
            group_changes=group_changes,
            items=items,
            orphans=orphans,
            plan_id=plan_id,
            totals=totals,
            unmanaged_members=unmanaged_members,
            warnings=warnings,
        )

        plan_out.additional_properties = d
        return plan_out

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
