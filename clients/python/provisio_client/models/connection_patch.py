from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.provider_kind import ProviderKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.api_key_credentials import ApiKeyCredentials
    from ..models.app_profile import AppProfile
    from ..models.basic_credentials import BasicCredentials
    from ..models.bearer_credentials import BearerCredentials
    from ..models.connection_patch_settings_type_0 import ConnectionPatchSettingsType0


T = TypeVar("T", bound="ConnectionPatch")


@_attrs_define
class ConnectionPatch:
    """Changes to a connection (JSON merge patch): absent keeps, `null` resets.

    Attributes:
        app_profile (AppProfile | None | Unset):
        credentials (ApiKeyCredentials | BasicCredentials | BearerCredentials | None | Unset):
        instance_url (None | str | Unset): A new SCIM base URL; `null` resets it to the provider's default.
        name (None | str | Unset): A new unique name.
        provider (None | ProviderKind | Unset):
        settings (ConnectionPatchSettingsType0 | None | Unset): Merged into the current settings; a `null` value removes
            that setting.
    """

    app_profile: AppProfile | None | Unset = UNSET
    credentials: ApiKeyCredentials | BasicCredentials | BearerCredentials | None | Unset = UNSET
    instance_url: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    provider: None | ProviderKind | Unset = UNSET
    settings: ConnectionPatchSettingsType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.api_key_credentials import ApiKeyCredentials  # noqa: PLC0415
        from ..models.app_profile import AppProfile  # noqa: PLC0415
        from ..models.basic_credentials import BasicCredentials  # noqa: PLC0415
        from ..models.bearer_credentials import BearerCredentials  # noqa: PLC0415
        from ..models.connection_patch_settings_type_0 import ConnectionPatchSettingsType0  # noqa: PLC0415

        app_profile: dict[str, Any] | None | Unset
        if isinstance(self.app_profile, Unset):
            app_profile = UNSET
        elif isinstance(self.app_profile, AppProfile):
            app_profile = self.app_profile.to_dict()
        else:
            app_profile = self.app_profile

        credentials: dict[str, Any] | None | Unset
        if isinstance(self.credentials, Unset):
            credentials = UNSET
        elif isinstance(self.credentials, BearerCredentials):
            credentials = self.credentials.to_dict()
        elif isinstance(self.credentials, BasicCredentials):
            credentials = self.credentials.to_dict()
        elif isinstance(self.credentials, ApiKeyCredentials):
            credentials = self.credentials.to_dict()
        else:
            credentials = self.credentials

        instance_url: None | str | Unset
        if isinstance(self.instance_url, Unset):
            instance_url = UNSET
        else:
            instance_url = self.instance_url

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        provider: None | str | Unset
        if isinstance(self.provider, Unset):
            provider = UNSET
        elif isinstance(self.provider, ProviderKind):
            provider = self.provider.value
        else:
            provider = self.provider

        settings: dict[str, Any] | None | Unset
        if isinstance(self.settings, Unset):
            settings = UNSET
        elif isinstance(self.settings, ConnectionPatchSettingsType0):
            settings = self.settings.to_dict()
        else:
            settings = self.settings

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if app_profile is not UNSET:
            field_dict["app_profile"] = app_profile
        if credentials is not UNSET:
            field_dict["credentials"] = credentials
        if instance_url is not UNSET:
            field_dict["instance_url"] = instance_url
        if name is not UNSET:
            field_dict["name"] = name
        if provider is not UNSET:
            field_dict["provider"] = provider
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_credentials import ApiKeyCredentials  # noqa: PLC0415
        from ..models.app_profile import AppProfile  # noqa: PLC0415
        from ..models.basic_credentials import BasicCredentials  # noqa: PLC0415
        from ..models.bearer_credentials import BearerCredentials  # noqa: PLC0415
        from ..models.connection_patch_settings_type_0 import ConnectionPatchSettingsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_app_profile(data: object) -> AppProfile | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                app_profile_type_0 = AppProfile.from_dict(data)

                return app_profile_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppProfile | None | Unset, data)

        app_profile = _parse_app_profile(d.pop("app_profile", UNSET))

        def _parse_credentials(data: object) -> ApiKeyCredentials | BasicCredentials | BearerCredentials | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
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
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_credentials_in_api_key_credentials = ApiKeyCredentials.from_dict(data)

                return componentsschemas_credentials_in_api_key_credentials
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApiKeyCredentials | BasicCredentials | BearerCredentials | None | Unset, data)

        credentials = _parse_credentials(d.pop("credentials", UNSET))

        def _parse_instance_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        instance_url = _parse_instance_url(d.pop("instance_url", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_provider(data: object) -> None | ProviderKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                provider_type_0 = ProviderKind(data)

                return provider_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProviderKind | Unset, data)

        provider = _parse_provider(d.pop("provider", UNSET))

        def _parse_settings(data: object) -> ConnectionPatchSettingsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                settings_type_0 = ConnectionPatchSettingsType0.from_dict(data)

                return settings_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionPatchSettingsType0 | None | Unset, data)

        settings = _parse_settings(d.pop("settings", UNSET))

        connection_patch = cls(
            app_profile=app_profile,
            credentials=credentials,
            instance_url=instance_url,
            name=name,
            provider=provider,
            settings=settings,
        )

        return connection_patch
