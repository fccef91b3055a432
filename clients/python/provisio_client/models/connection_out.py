from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.provider_kind import ProviderKind

if TYPE_CHECKING:
    from ..models.app_profile_out import AppProfileOut
    from ..models.connection_out_settings import ConnectionOutSettings
    from ..models.credential_summary import CredentialSummary


T = TypeVar("T", bound="ConnectionOut")


@_attrs_define
class ConnectionOut:
    """A stored connection. Credentials appear only as their type and a hint.

    Attributes:
        app_profile (AppProfileOut): How the app behaves, as far as provisio knows: what it acts on (learned by
            `POST …/test` and by ordinary calls, with the overrides over it), and the
            overrides set by hand. A fact left out is not known; provisio then assumes
            what the SCIM standard says.
        created_at (datetime.datetime):
        credentials (CredentialSummary): What may be shown about stored credentials: their kind and the last characters
            of the secret.
        id (UUID):
        instance_url (str):
        name (str):
        provider (ProviderKind): Provider id as used in the API (`scim`, `workplace`, `interact`, `workiva`, `8x8`).
        settings (ConnectionOutSettings):
        updated_at (datetime.datetime):
    """

    app_profile: AppProfileOut
    created_at: datetime.datetime
    credentials: CredentialSummary
    id: UUID
    instance_url: str
    name: str
    provider: ProviderKind
    settings: ConnectionOutSettings
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_profile = self.app_profile.to_dict()

        created_at = self.created_at.isoformat()

        credentials = self.credentials.to_dict()

        id = str(self.id)

        instance_url = self.instance_url

        name = self.name

        provider = self.provider.value

        settings = self.settings.to_dict()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "app_profile": app_profile,
                "created_at": created_at,
                "credentials": credentials,
                "id": id,
                "instance_url": instance_url,
                "name": name,
                "provider": provider,
                "settings": settings,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_profile_out import AppProfileOut  # noqa: PLC0415
        from ..models.connection_out_settings import ConnectionOutSettings  # noqa: PLC0415
        from ..models.credential_summary import CredentialSummary  # noqa: PLC0415

        d = dict(src_dict)
        app_profile = AppProfileOut.from_dict(d.pop("app_profile"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credentials = CredentialSummary.from_dict(d.pop("credentials"))

        id = UUID(d.pop("id"))

        instance_url = d.pop("instance_url")

        name = d.pop("name")

        provider = ProviderKind(d.pop("provider"))

        settings = ConnectionOutSettings.from_dict(d.pop("settings"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        connection_out = cls(
            app_profile=app_profile,
            created_at=created_at,
            credentials=credentials,
            id=id,
            instance_url=instance_url,
            name=name,
            provider=provider,
            settings=settings,
            updated_at=updated_at,
        )

        connection_out.additional_properties = d
        return connection_out

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
