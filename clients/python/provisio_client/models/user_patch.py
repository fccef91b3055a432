from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.multi_valued import MultiValued
    from ..models.name_patch import NamePatch
    from ..models.user_patch_extensions_type_0 import UserPatchExtensionsType0


T = TypeVar("T", bound="UserPatch")


@_attrs_define
class UserPatch:
    """Changes to an account (JSON merge patch): a present field is set, `null`
    removes it, an absent field is kept. `name` and `extensions` merge one level down.

        Attributes:
            active (bool | None | Unset):
            cost_center (None | str | Unset):
            department (None | str | Unset):
            display_name (None | str | Unset):
            division (None | str | Unset):
            emails (list[MultiValued] | None | Unset): Replaces the whole list.
            employee_number (None | str | Unset):
            extensions (None | Unset | UserPatchExtensionsType0): `{<schema URN>: {<attribute>: value or null}}`: sets or
                removes single attributes.
            external_id (None | str | Unset):
            locale (None | str | Unset):
            manager_id (None | str | Unset):
            name (NamePatch | None | Unset):
            nick_name (None | str | Unset):
            organization (None | str | Unset):
            phone_numbers (list[MultiValued] | None | Unset): Replaces the whole list.
            preferred_language (None | str | Unset):
            timezone (None | str | Unset):
            title (None | str | Unset):
            user_name (None | str | Unset):
            user_type (None | str | Unset):
    """

    active: bool | None | Unset = UNSET
    cost_center: None | str | Unset = UNSET
    department: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    division: None | str | Unset = UNSET
    emails: list[MultiValued] | None | Unset = UNSET
    employee_number: None | str | Unset = UNSET
    extensions: None | Unset | UserPatchExtensionsType0 = UNSET
    external_id: None | str | Unset = UNSET
    locale: None | str | Unset = UNSET
    manager_id: None | str | Unset = UNSET
    name: NamePatch | None | Unset = UNSET
    nick_name: None | str | Unset = UNSET
    organization: None | str | Unset = UNSET
    phone_numbers: list[MultiValued] | None | Unset = UNSET
    preferred_language: None | str | Unset = UNSET
    timezone: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    user_name: None | str | Unset = UNSET
    user_type: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.name_patch import NamePatch  # noqa: PLC0415
        from ..models.user_patch_extensions_type_0 import UserPatchExtensionsType0  # noqa: PLC0415

        active: bool | None | Unset
        if isinstance(self.active, Unset):
            active = UNSET
        else:
            active = self.active

        cost_center: None | str | Unset
        if isinstance(self.cost_center, Unset):
            cost_center = UNSET
        else:
            cost_center = self.cost_center

        department: None | str | Unset
        if isinstance(self.department, Unset):
            department = UNSET
        else:
            department = self.department

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        division: None | str | Unset
        if isinstance(self.division, Unset):
            division = UNSET
        else:
            division = self.division

        emails: list[dict[str, Any]] | None | Unset
        if isinstance(self.emails, Unset):
            emails = UNSET
        elif isinstance(self.emails, list):
            emails = []
            for emails_type_0_item_data in self.emails:
                emails_type_0_item = emails_type_0_item_data.to_dict()
                emails.append(emails_type_0_item)

        else:
            emails = self.emails

        employee_number: None | str | Unset
        if isinstance(self.employee_number, Unset):
            employee_number = UNSET
        else:
            employee_number = self.employee_number

        extensions: dict[str, Any] | None | Unset
        if isinstance(self.extensions, Unset):
            extensions = UNSET
        elif isinstance(self.extensions, UserPatchExtensionsType0):
            extensions = self.extensions.to_dict()
        else:
            extensions = self.extensions

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        manager_id: None | str | Unset
        if isinstance(self.manager_id, Unset):
            manager_id = UNSET
        else:
            manager_id = self.manager_id

        name: dict[str, Any] | None | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        elif isinstance(self.name, NamePatch):
            name = self.name.to_dict()
        else:
            name = self.name

        nick_name: None | str | Unset
        if isinstance(self.nick_name, Unset):
            nick_name = UNSET
        else:
            nick_name = self.nick_name

        organization: None | str | Unset
        if isinstance(self.organization, Unset):
            organization = UNSET
        else:
            organization = self.organization

        phone_numbers: list[dict[str, Any]] | None | Unset
        if isinstance(self.phone_numbers, Unset):
            phone_numbers = UNSET
        elif isinstance(self.phone_numbers, list):
            phone_numbers = []
            for phone_numbers_type_0_item_data in self.phone_numbers:
                phone_numbers_type_0_item = phone_numbers_type_0_item_data.to_dict()
                phone_numbers.append(phone_numbers_type_0_item)

        else:
            phone_numbers = self.phone_numbers

        preferred_language: None | str | Unset
        if isinstance(self.preferred_language, Unset):
            preferred_language = UNSET
        else:
            preferred_language = self.preferred_language

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        user_name: None | str | Unset
        if isinstance(self.user_name, Unset):
            user_name = UNSET
        else:
            user_name = self.user_name

        user_type: None | str | Unset
        if isinstance(self.user_type, Unset):
            user_type = UNSET
        else:
            user_type = self.user_type

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if active is not UNSET:
            field_dict["active"] = active
        if cost_center is not UNSET:
            field_dict["cost_center"] = cost_center
        if department is not UNSET:
            field_dict["department"] = department
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if division is not UNSET:
            field_dict["division"] = division
        if emails is not UNSET:
            field_dict["emails"] = emails
        if employee_number is not UNSET:
            field_dict["employee_number"] = employee_number
        if extensions is not UNSET:
            field_dict["extensions"] = extensions
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if locale is not UNSET:
            field_dict["locale"] = locale
        if manager_id is not UNSET:
            field_dict["manager_id"] = manager_id
        if name is not UNSET:
            field_dict["name"] = name
        if nick_name is not UNSET:
            field_dict["nick_name"] = nick_name
        if organization is not UNSET:
            field_dict["organization"] = organization
        if phone_numbers is not UNSET:
            field_dict["phone_numbers"] = phone_numbers
        if preferred_language is not UNSET:
            field_dict["preferred_language"] = preferred_language
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if title is not UNSET:
            field_dict["title"] = title
        if user_name is not UNSET:
            field_dict["user_name"] = user_name
        if user_type is not UNSET:
            field_dict["user_type"] = user_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.multi_valued import MultiValued  # noqa: PLC0415
        from ..models.name_patch import NamePatch  # noqa: PLC0415
        from ..models.user_patch_extensions_type_0 import UserPatchExtensionsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        active = _parse_active(d.pop("active", UNSET))

        def _parse_cost_center(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cost_center = _parse_cost_center(d.pop("cost_center", UNSET))

        def _parse_department(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        department = _parse_department(d.pop("department", UNSET))

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_division(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        division = _parse_division(d.pop("division", UNSET))

        def _parse_emails(data: object) -> list[MultiValued] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                emails_type_0 = []
                _emails_type_0 = data
                for emails_type_0_item_data in _emails_type_0:
                    emails_type_0_item = MultiValued.from_dict(emails_type_0_item_data)

                    emails_type_0.append(emails_type_0_item)

                return emails_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[MultiValued] | None | Unset, data)

        emails = _parse_emails(d.pop("emails", UNSET))

        def _parse_employee_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        employee_number = _parse_employee_number(d.pop("employee_number", UNSET))

        def _parse_extensions(data: object) -> None | Unset | UserPatchExtensionsType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                extensions_type_0 = UserPatchExtensionsType0.from_dict(data)

                return extensions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserPatchExtensionsType0, data)

        extensions = _parse_extensions(d.pop("extensions", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_manager_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        manager_id = _parse_manager_id(d.pop("manager_id", UNSET))

        def _parse_name(data: object) -> NamePatch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                name_type_0 = NamePatch.from_dict(data)

                return name_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NamePatch | None | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_nick_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        nick_name = _parse_nick_name(d.pop("nick_name", UNSET))

        def _parse_organization(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization = _parse_organization(d.pop("organization", UNSET))

        def _parse_phone_numbers(data: object) -> list[MultiValued] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                phone_numbers_type_0 = []
                _phone_numbers_type_0 = data
                for phone_numbers_type_0_item_data in _phone_numbers_type_0:
                    phone_numbers_type_0_item = MultiValued.from_dict(phone_numbers_type_0_item_data)

                    phone_numbers_type_0.append(phone_numbers_type_0_item)

                return phone_numbers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[MultiValued] | None | Unset, data)

        phone_numbers = _parse_phone_numbers(d.pop("phone_numbers", UNSET))

        def _parse_preferred_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        preferred_language = _parse_preferred_language(d.pop("preferred_language", UNSET))

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_user_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_name = _parse_user_name(d.pop("user_name", UNSET))

        def _parse_user_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_type = _parse_user_type(d.pop("user_type", UNSET))

        user_patch = cls(
            active=active,
            cost_center=cost_center,
            department=department,
            display_name=display_name,
            division=division,
            emails=emails,
            employee_number=employee_number,
            extensions=extensions,
            external_id=external_id,
            locale=locale,
            manager_id=manager_id,
            name=name,
            nick_name=nick_name,
            organization=organization,
            phone_numbers=phone_numbers,
            preferred_language=preferred_language,
            timezone=timezone,
            title=title,
            user_name=user_name,
            user_type=user_type,
        )

        return user_patch
