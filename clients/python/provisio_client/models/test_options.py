from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TestOptions")


@_attrs_define
class TestOptions:
    """What to try. The body may be left out.

    Attributes:
        write (bool | Unset): Also create a throwaway user (`provisio-probe-<random>`, with an
            externalId), change it, and remove it again (delete, or deactivate
            where provisio does not delete users in the app), to see what writes do.
    """

    write: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        write = self.write

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if write is not UNSET:
            field_dict["write"] = write

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        write = d.pop("write", UNSET)

        test_options = cls(
            write=write,
        )

        return test_options
