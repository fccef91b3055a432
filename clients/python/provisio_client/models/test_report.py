from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.app_profile import AppProfile
    from ..models.check_out import CheckOut


T = TypeVar("T", bound="TestReport")


@_attrs_define
class TestReport:
    """The result of testing a connection.

    Attributes:
        app_profile (AppProfile): What provisio knows about an app's SCIM behaviour.
        checks (list[CheckOut]):
        latency_ms (int): Wall time of all checks, in milliseconds.
        ok (bool): Whether every check passed.
        usable (bool): Whether provisio can work with the app: it was reached, accepted the
            credentials and listed users (checks the app fails after that are
            adapted to; see each check's `consequence`).
    """

    app_profile: AppProfile
    checks: list[CheckOut]
    latency_ms: int
    ok: bool
    usable: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_profile = self.app_profile.to_dict()

        checks = []
        for checks_item_data in self.checks:
            checks_item = checks_item_data.to_dict()
            checks.append(checks_item)

        latency_ms = self.latency_ms

        ok = self.ok

        usable = self.usable

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "app_profile": app_profile,
                "checks": checks,
                "latency_ms": latency_ms,
                "ok": ok,
                "usable": usable,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_profile import AppProfile  # noqa: PLC0415
        from ..models.check_out import CheckOut  # noqa: PLC0415

        d = dict(src_dict)
        app_profile = AppProfile.from_dict(d.pop("app_profile"))

        checks = []
        _checks = d.pop("checks")
        for checks_item_data in _checks:
            checks_item = CheckOut.from_dict(checks_item_data)

            checks.append(checks_item)

        latency_ms = d.pop("latency_ms")

        ok = d.pop("ok")

        usable = d.pop("usable")

        test_report = cls(
            app_profile=app_profile,
            checks=checks,
            latency_ms=latency_ms,
            ok=ok,
            usable=usable,
        )

        test_report.additional_properties = d
        return test_report

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
