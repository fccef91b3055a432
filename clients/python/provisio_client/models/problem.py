from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_error import FieldError
    from ..models.provider_problem import ProviderProblem


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """The body of every error response.

    Attributes:
        code (str): A stable, machine-readable error code: branch on it, never on `detail`. New codes may be added;
            treat an unknown one by the response's HTTP status. Known codes (each explained at `/errors`):
            - `unauthorized`: Missing or wrong API key.
            - `forbidden`: The API key may not do this (a read-only key on a write).
            - `bad_request`: The request is not valid HTTP/1.1 (a request line or header that cannot be parsed), or its body
            ended before the length it announced.
            - `malformed_json`: The request body is not syntactically valid JSON.
            - `validation_failed`: A field (in the body, query, path or a header) is missing or invalid; `errors` names
            each.
            - `unsupported_media_type`: The body is not `application/json`.
            - `payload_too_large`: The body is larger than the configured limit.
            - `headers_too_large`: The request headers are larger than the configured limit.
            - `uri_too_long`: The request URI is longer than the configured limit.
            - `not_found`: No such route.
            - `method_not_allowed`: The route exists but not with this method.
            - `connection_not_found`: No connection has this id or name.
            - `connection_exists`: Another connection already has this name.
            - `concurrent_modification`: The connection changed concurrently too often to apply the change; retry.
            - `instance_url_forbidden`: The instance URL is not https, or reaches a private, loopback, link-local or
            reserved address.
            - `user_not_found`: The app has no user with this id.
            - `user_exists`: The app already has a user with this `user_name` (or another unique value).
            - `group_not_found`: The app has no group with this id.
            - `group_exists`: The app already has a group with this `display_name` (or another unique value).
            - `unsupported_operation`: The provider has no such operation; `detail` says what to do instead.
            - `idempotency_key_reused`: This `Idempotency-Key` was used with a different request.
            - `idempotency_key_in_use`: A request with this `Idempotency-Key` is still being processed; retry later.
            - `provider_unauthorized`: The app refused the connection's credentials (401/403 upstream).
            - `provider_rejected`: The app rejected the request as invalid (400 upstream); `provider.detail` says why.
            - `provider_rate_limited`: The app is rate limiting; retry after `Retry-After` seconds.
            - `provider_unavailable`: The app failed (5xx) or could not be reached.
            - `provider_timeout`: The app did not answer within the connection's timeout.
            - `provider_invalid_response`: The app answered, but not with valid SCIM.
            - `plan_not_found`: No sync plan with this id for this connection (or it was pruned after expiring).
            - `plan_stale`: The plan expired, or the app, the managed accounts, the rules or the input changed since it was
            made; plan again.
            - `deprovision_threshold`: The plan deprovisions more accounts than the connection's limit; review it and apply
            with `force: true`.
            - `sync_run_not_found`: No sync run has this id.
            - `sync_in_progress`: A sync run for this connection is still being applied; wait for it, then plan again.
            - `busy`: provisio holds as many bytes of apps' answers in memory as it may
            (`PROVISIO_MAX_ANSWER_MEMORY_BYTES`); retry after `Retry-After`.
            - `deadline_exceeded`: The request did not finish within provisio's per-request deadline.
            - `not_ready`: The database is not reachable (readiness).
            - `internal`: An unexpected failure inside provisio; details are in its log under the request id.
        detail (str): What went wrong, for a human.
        status (int): The HTTP status, repeated.
        title (str):
        type_ (str): The problem type: the code's entry on this server's errors page,
            `/errors#<code>` (a URI reference, relative to the request). Example: /errors#validation_failed.
        errors (list[FieldError] | Unset): The fields at fault, for `validation_failed`.
        provider (None | ProviderProblem | Unset):
        request_id (None | str | Unset): The id to quote when reporting the problem; also in the `x-request-id` header.
    """

    code: str
    detail: str
    status: int
    title: str
    type_: str
    errors: list[FieldError] | Unset = UNSET
    provider: None | ProviderProblem | Unset = UNSET
    request_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.provider_problem import ProviderProblem  # noqa: PLC0415

        code = self.code

        detail = self.detail

        status = self.status

        title = self.title

        type_ = self.type_

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        provider: dict[str, Any] | None | Unset
        if isinstance(self.provider, Unset):
            provider = UNSET
        elif isinstance(self.provider, ProviderProblem):
            provider = self.provider.to_dict()
        else:
            provider = self.provider

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "detail": detail,
                "status": status,
                "title": title,
                "type": type_,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if provider is not UNSET:
            field_dict["provider"] = provider
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_error import FieldError  # noqa: PLC0415
        from ..models.provider_problem import ProviderProblem  # noqa: PLC0415

        d = dict(src_dict)
        code = d.pop("code")

        detail = d.pop("detail")

        status = d.pop("status")

        title = d.pop("title")

        type_ = d.pop("type")

        _errors = d.pop("errors", UNSET)
        errors: list[FieldError] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = FieldError.from_dict(errors_item_data)

                errors.append(errors_item)

        def _parse_provider(data: object) -> None | ProviderProblem | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                provider_type_0 = ProviderProblem.from_dict(data)

                return provider_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProviderProblem | Unset, data)

        provider = _parse_provider(d.pop("provider", UNSET))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        problem = cls(
            code=code,
            detail=detail,
            status=status,
            title=title,
            type_=type_,
            errors=errors,
            provider=provider,
            request_id=request_id,
        )

        problem.additional_properties = d
        return problem

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
