from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.multi_valued import MultiValued
    from ..models.person_attributes import PersonAttributes
    from ..models.person_extensions import PersonExtensions
    from ..models.person_name import PersonName


T = TypeVar("T", bound="Person")


@_attrs_define
class Person:
    """A person who should have an account: the user fields, keyed by `external_id`, plus free HR `attributes`.

    Attributes:
        external_id (str): The HR system's id for the person: the key, unique in the request.
        user_name (str): The sign-in name, unique in the app (often the work email). Example: ada.lovelace@example.com.
        active (bool | Unset): Whether the account may sign in. Defaults to `true` on create; an app
            that does not say is reported as active.
        attributes (PersonAttributes | Unset): Free HR fields (`department`, `employment_status`, `job_title`,
            `location`, …) for rules and mappings.
        cost_center (None | str | Unset):
        department (None | str | Unset):
        display_name (None | str | Unset):
        division (None | str | Unset):
        emails (list[MultiValued] | Unset):
        employee_number (None | str | Unset):
        extensions (PersonExtensions | Unset): Provider attributes by schema URN, passed through both ways, e.g.
            `{"urn:8x8:scim:schemas:extension:8x8user:2.0:User": {"site": "London"}}`.
        locale (None | str | Unset):  Example: en-GB.
        manager_id (None | str | Unset): The app's id of the person's manager.
        name (None | PersonName | Unset):
        nick_name (None | str | Unset):
        organization (None | str | Unset):
        phone_numbers (list[MultiValued] | Unset):
        preferred_language (None | str | Unset):
        timezone (None | str | Unset):  Example: Europe/London.
        title (None | str | Unset): Job title.
        user_type (None | str | Unset):
    """

    external_id: str
    user_name: str
    active: bool | Unset = UNSET
    attributes: PersonAttributes | Unset = UNSET
    cost_center: None | str | Unset = UNSET
    department: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    division: None | str | Unset = UNSET
    emails: list[MultiValued] | Unset = UNSET
    employee_number: None | str | Unset = UNSET
    extensions: PersonExtensions | Unset = UNSET
    locale: None | str | Unset = UNSET
    manager_id: None | str | Unset = UNSET
    name: None | PersonName | Unset = UNSET
    nick_name: None | str | Unset = UNSET
    organization: None | str | Unset = UNSET
    phone_numbers: list[MultiValued] | Unset = UNSET
    preferred_language: None | str | Unset = UNSET
    timezone: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    user_type: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.person_name import PersonName  # noqa: PLC0415

        external_id = self.external_id

        user_name = self.user_name

        active = self.active

        attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.to_dict()

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

        emails: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.emails, Unset):
            emails = []
            for emails_item_data in self.emails:
                emails_item = emails_item_data.to_dict()
                emails.append(emails_item)

        employee_number: None | str | Unset
        if isinstance(self.employee_number, Unset):
            employee_number = UNSET
        else:
            employee_number = self.employee_number

        extensions: dict[str, Any] | Unset = UNSET
        if not isinstance(self.extensions, Unset):
            extensions = self.extensions.to_dict()

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
        elif isinstance(self.name, PersonName):
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

        phone_numbers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.phone_numbers, Unset):
            phone_numbers = []
            for phone_numbers_item_data in self.phone_numbers:
                phone_numbers_item = phone_numbers_item_data.to_dict()
                phone_numbers.append(phone_numbers_item)

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

        user_type: None | str | Unset
        if isinstance(self.user_type, Unset):
            user_type = UNSET
        else:
            user_type = self.user_type

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "external_id": external_id,
                "user_name": user_name,
            }
        )
        if active is not UNSET:
            field_dict["active"] = active
        if attributes is not UNSET:
            field_dict["attributes"] = attributes
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
        if user_type is not UNSET:
            field_dict["user_type"] = user_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.multi_valued import MultiValued  # noqa: PLC0415
        from ..models.person_attributes import PersonAttributes  # noqa: PLC0415
        from ..models.person_extensions import PersonExtensions  # noqa: PLC0415
        from ..models.person_name import PersonName  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id")

        user_name = d.pop("user_name")

        active = d.pop("active", UNSET)

        _attributes = d.pop("attributes", UNSET)
        attributes: PersonAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = PersonAttributes.from_dict(_attributes)

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

        _emails = d.pop("emails", UNSET)
        emails: list[MultiValued] | Unset = UNSET
        if _emails is not UNSET:
            emails = []
            for emails_item_data in _emails:
                emails_item = MultiValued.from_dict(emails_item_data)

                emails.append(emails_item)

        def _parse_employee_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        employee_number = _parse_employee_number(d.pop("employee_number", UNSET))

        _extensions = d.pop("extensions", UNSET)
        extensions: PersonExtensions | Unset
        if isinstance(_extensions, Unset):
            extensions = UNSET
        else:
            extensions = PersonExtensions.from_dict(_extensions)

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

        def _parse_name(data: object) -> None | PersonName | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                name_type_0 = PersonName.from_dict(data)

                return name_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PersonName | Unset, data)

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

        _phone_numbers = d.pop("phone_numbers", UNSET)
        phone_numbers: list[MultiValued] | Unset = UNSET
        if _phone_numbers is not UNSET:
            phone_numbers = []
            for phone_numbers_item_data in _phone_numbers:
                phone_numbers_item = MultiValued.from_dict(phone_numbers_item_data)

                phone_numbers.append(phone_numbers_item)

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

        def _parse_user_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_type = _parse_user_type(d.pop("user_type", UNSET))

        person = cls(
            external_id=external_id,
            user_name=user_name,
            active=active,
            attributes=attributes,
            cost_center=cost_center,
            department=department,
            display_name=display_name,
            division=division,
            emails=emails,
            employee_number=employee_number,
            extensions=extensions,
            locale=locale,
            manager_id=manager_id,
            name=name,
            nick_name=nick_name,
            organization=organization,
            phone_numbers=phone_numbers,
            preferred_language=preferred_language,
            timezone=timezone,
            title=title,
            user_type=user_type,
        )

        return person
