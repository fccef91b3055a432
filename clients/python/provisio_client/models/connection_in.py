from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.provider_kind import ProviderKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.api_key_credentials import ApiKeyCredentials
    from ..models.basic_credentials import BasicCredentials
    from ..models.bearer_credentials import BearerCredentials
    from ..models.connection_in_settings import ConnectionInSettings


T = TypeVar("T", bound="ConnectionIn")


@_attrs_define
class ConnectionIn:
    """A connection to create.

    Attributes:
        credentials (ApiKeyCredentials | BasicCredentials | BearerCredentials): Credentials for the app. Write-only:
            never returned.
        name (str): Unique name, 1-64 of `[a-z0-9._-]`; usable in paths instead of the id. Example: acme-workplace.
        provider (ProviderKind): Provider id as used in the API (`scim`, `workplace`, `interact`, `workiva`, `8x8`).
        instance_url (None | str | Unset): The app's SCIM base URL; optional where the provider has a default (see `GET
            /v1/providers`). Example: https://scim.example.com/scim/v2.
        settings (ConnectionInSettings | Unset): Provider settings such as `customer_id` (8x8) or `login_type`
            (Interact).
    """

    credentials: ApiKeyCredentials | BasicCredentials | BearerCredentials
    name: str
    provider: ProviderKind
    instance_url: None | str | Unset = UNSET
    settings: ConnectionInSettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.basic_credentials import BasicCredentials  # noqa: PLC0415
        from ..models.bearer_credentials import BearerCredentials  # noqa: PLC0415

        credentials: dict[str, Any]
        if isinstance(self.credentials, BearerCredentials):
            credentials = self.credentials.to_dict()
        elif isinstance(self.credentials, BasicCredentials):
            credentials = self.credentials.to_dict()
        else:
            credentials = self.credentials.to_dict()

        name = self.name

        provider = self.provider.value

        instance_url: None | str | Unset
        if isinstance(self.instance_url, Unset):
            instance_url = UNSET
        else:
            instance_url = self.instance_url

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "credentials": credentials,
                "name": name,
                "provider": provider,
            }
        )
        if instance_url is not UNSET:
            field_dict["instance_url"] = instance_url
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_credentials import ApiKeyCredentials  # noqa: PLC0415
        from ..models.basic_credentials import BasicCredentials  # noqa: PLC0415
        from ..models.bearer_credentials import BearerCredentials  # noqa: PLC0415
        from ..models.connection_in_settings import ConnectionInSettings  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_credentials(data: object) -> ApiKeyCredentials | BasicCredentials | BearerCredentials:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_credentials_in_bearer_credentials = BearerCredentials.from_dict(data)

                return componentsschemas_credentials_in_bearer_credentials
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_credentials_in_basic_credentials = BasicCredentials.from_dict(data)

                return componentsschemas_credentials_in_basic_credentials
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_credentials_in_api_key_credentials = ApiKeyCredentials.from_dict(data)

            return componentsschemas_credentials_in_api_key_credentials

        credentials = _parse_credentials(d.pop("credentials"))

        name = d.pop("name")

        provider = ProviderKind(d.pop("provider"))

        def _parse_instance_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        instance_url = _parse_instance_url(d.pop("instance_url", UNSET))

        _settings = d.pop("settings", UNSET)
        settings: ConnectionInSettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = ConnectionInSettings.from_dict(_settings)

        connection_in = cls(
            credentials=credentials,
            name=name,
            provider=provider,
            instance_url=instance_url,
            settings=settings,
        )

        return connection_in
