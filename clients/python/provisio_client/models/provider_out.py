from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.credential_kind import CredentialKind
from ..models.provider_kind import ProviderKind

if TYPE_CHECKING:
    from ..models.capabilities import Capabilities
    from ..models.instance_url_rule import InstanceUrlRule
    from ..models.setting_spec import SettingSpec


T = TypeVar("T", bound="ProviderOut")


@_attrs_define
class ProviderOut:
    """One provider and what a connection to it needs.

    Attributes:
        auth_types (list[CredentialKind]): Credential types the app accepts, preferred first.
        capabilities (Capabilities): Which user operations the app supports, and how provisio performs them.
        description (str): What to connect and where to find the values.
        display_name (str): Human name of the app.
        documentation_url (str): The provider's own SCIM documentation.
        id (ProviderKind): Provider id as used in the API (`scim`, `workplace`, `interact`, `workiva`, `8x8`).
        instance_url (InstanceUrlRule): Whether `instance_url` must be given, and what it defaults to.
        mappable_fields (list[str]): Targets a sync mapping (`PUT /v1/connections/{connection}/rules`) may set;
            `extensions.<urn>.<attribute>` reaches the app's own extension attributes too.
        settings (list[SettingSpec]): Settings a connection may (or must) carry: the provider's own, then those every
            connection takes.
    """

    auth_types: list[CredentialKind]
    capabilities: Capabilities
    description: str
    display_name: str
    documentation_url: str
    id: ProviderKind
    instance_url: InstanceUrlRule
    mappable_fields: list[str]
    settings: list[SettingSpec]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        auth_types = []
        for auth_types_item_data in self.auth_types:
            auth_types_item = auth_types_item_data.value
            auth_types.append(auth_types_item)

        capabilities = self.capabilities.to_dict()

        description = self.description

        display_name = self.display_name

        documentation_url = self.documentation_url

        id = self.id.value

        instance_url = self.instance_url.to_dict()

        mappable_fields = self.mappable_fields

        settings = []
        for settings_item_data in self.settings:
            settings_item = settings_item_data.to_dict()
            settings.append(settings_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auth_types": auth_types,
                "capabilities": capabilities,
                "description": description,
                "display_name": display_name,
                "documentation_url": documentation_url,
                "id": id,
                "instance_url": instance_url,
                "mappable_fields": mappable_fields,
                "settings": settings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.capabilities import Capabilities  # noqa: PLC0415
        from ..models.instance_url_rule import InstanceUrlRule  # noqa: PLC0415
        from ..models.setting_spec import SettingSpec  # noqa: PLC0415

        d = dict(src_dict)
        auth_types = []
        _auth_types = d.pop("auth_types")
        for auth_types_item_data in _auth_types:
            auth_types_item = CredentialKind(auth_types_item_data)

            auth_types.append(auth_types_item)

        capabilities = Capabilities.from_dict(d.pop("capabilities"))

        description = d.pop("description")

        display_name = d.pop("display_name")

        documentation_url = d.pop("documentation_url")

        id = ProviderKind(d.pop("id"))

        instance_url = InstanceUrlRule.from_dict(d.pop("instance_url"))

        mappable_fields = cast(list[str], d.pop("mappable_fields"))

        settings = []
        _settings = d.pop("settings")
        for settings_item_data in _settings:
            settings_item = SettingSpec.from_dict(settings_item_data)

            settings.append(settings_item)

        provider_out = cls(
            auth_types=auth_types,
            capabilities=capabilities,
            description=description,
            display_name=display_name,
            documentation_url=documentation_url,
            id=id,
            instance_url=instance_url,
            mappable_fields=mappable_fields,
            settings=settings,
        )

        provider_out.additional_properties = d
        return provider_out

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
