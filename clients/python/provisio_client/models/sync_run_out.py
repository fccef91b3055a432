from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_status import RunStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.progress import Progress
    from ..models.run_item_out import RunItemOut
    from ..models.totals import Totals


T = TypeVar("T", bound="SyncRunOut")


@_attrs_define
class SyncRunOut:
    """A sync run: a plan being applied, item by item.

    Attributes:
        connection_id (UUID):
        created_at (datetime.datetime):
        progress (Progress): Item counts by status.
        run_id (UUID):
        status (RunStatus): How a run is doing.
        totals (Totals):
        finished_at (datetime.datetime | None | Unset):
        items (list[RunItemOut] | None | Unset): The changes (`GET /v1/sync-runs/{run_id}` only).
        plan_id (None | Unset | UUID): The plan applied, when one was named.
    """

    connection_id: UUID
    created_at: datetime.datetime
    progress: Progress
    run_id: UUID
    status: RunStatus
    totals: Totals
    finished_at: datetime.datetime | None | Unset = UNSET
    items: list[RunItemOut] | None | Unset = UNSET
    plan_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        connection_id = str(self.connection_id)

        created_at = self.created_at.isoformat()

        progress = self.progress.to_dict()

        run_id = str(self.run_id)

        status = self.status.value

        totals = self.totals.to_dict()

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        items: list[dict[str, Any]] | None | Unset
        if isinstance(self.items, Unset):
            items = UNSET
        elif isinstance(self.items, list):
            items = []
            for items_type_0_item_data in self.items:
                items_type_0_item = items_type_0_item_data.to_dict()
                items.append(items_type_0_item)

        else:
            items = self.items

        plan_id: None | str | Unset
        if isinstance(self.plan_id, Unset):
            plan_id = UNSET
        elif isinstance(self.plan_id, UUID):
            plan_id = str(self.plan_id)
        else:
            plan_id = self.plan_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "connection_id": connection_id,
                "created_at": created_at,
                "progress": progress,
                "run_id": run_id,
                "status": status,
                "totals": totals,
            }
        )
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if items is not UNSET:
            field_dict["items"] = items
        if plan_id is not UNSET:
            field_dict["plan_id"] = plan_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.progress import Progress  # noqa: PLC0415
        from ..models.run_item_out import RunItemOut  # noqa: PLC0415
        from ..models.totals import Totals  # noqa: PLC0415

        d = dict(src_dict)
        connection_id = UUID(d.pop("connection_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        progress = Progress.from_dict(d.pop("progress"))

        run_id = UUID(d.pop("run_id"))

        status = RunStatus(d.pop("status"))

        totals = Totals.from_dict(d.pop("totals"))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_items(data: object) -> list[RunItemOut] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                items_type_0 = []
                _items_type_0 = data
                for items_type_0_item_data in _items_type_0:
                    items_type_0_item = RunItemOut.from_dict(items_type_0_item_data)

                    items_type_0.append(items_type_0_item)

                return items_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[RunItemOut] | None | Unset, data)

        items = _parse_items(d.pop("items", UNSET))

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

        sync_run_out = cls(
            connection_id=connection_id,
            created_at=created_at,
            progress=progress,
            run_id=run_id,
            status=status,
            totals=totals,
            finished_at=finished_at,
            items=items,
            plan_id=plan_id,
        )

        sync_run_out.additional_properties = d
        return sync_run_out

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
