from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.member_ref import MemberRef


T = TypeVar("T", bound="GroupChange")


@_attrs_define
class GroupChange:
    """What applying a plan changes in one managed group.

    Attributes:
        add (list[MemberRef]):
        group (str): The group's name.
        remove (list[MemberRef]):
        conflict (None | str | Unset): Why these memberships cannot be made (the app has no such group).
        create (bool | Unset): Whether the run creates the group (`groups.create_missing`).
        group_id (None | str | Unset): The app's id for it (`null` when the run creates it, or it is missing).
    """

    add: list[MemberRef]
    group: str
    remove: list[MemberRef]
    conflict: None | str | Unset = UNSET
    create: bool | Unset = UNSET
    group_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        add = []
        for add_item_data in self.add:
            add_item = add_item_data.to_dict()
            add.append(add_item)

        group = self.group

        remove = []
        for remove_item_data in self.remove:
            remove_item = remove_item_data.to_dict()
            remove.append(remove_item)

        conflict: None | str | Unset
        if isinstance(self.conflict, Unset):
            conflict = UNSET
        else:
            conflict = self.conflict

        create = self.create

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "add": add,
                "group": group,
                "remove": remove,
            }
        )
        if conflict is not UNSET:
            field_dict["conflict"] = conflict
        if create is not UNSET:
            field_dict["create"] = create
        if group_id is not UNSET:
            field_dict["group_id"] = group_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.member_ref import MemberRef  # noqa: PLC0415

        d = dict(src_dict)
        add = []
        _add = d.pop("add")
        for add_item_data in _add:
            add_item = MemberRef.from_dict(add_item_data)

            add.append(add_item)

        group = d.pop("group")

        remove = []
        _remove = d.pop("remove")
        for remove_item_data in _remove:
            remove_item = MemberRef.from_dict(remove_item_data)

            remove.append(remove_item)

        def _parse_conflict(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        conflict = _parse_conflict(d.pop("conflict", UNSET))

        create = d.pop("create", UNSET)

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        group_change = cls(
            add=add,
            group=group,
            remove=remove,
            conflict=conflict,
            create=create,
            group_id=group_id,
        )

        group_change.additional_properties = d
        return group_change

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
