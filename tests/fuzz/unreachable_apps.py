"""A schemathesis check for the first fuzzing pass (loaded through SCHEMATHESIS_HOOKS).

That pass runs provisio with no app behind it. Generated connections may still be
saved (a host that does not resolve is saved, as in production), and a call through
one must then answer the documented 502 `provider_unavailable` or 504
`provider_timeout`. This check replaces `not_a_server_error` there: every other 5xx,
and these statuses with any other body, fail the run.
"""

import schemathesis

UNREACHABLE = {502: "provider_unavailable", 504: "provider_timeout"}


@schemathesis.check
def no_server_error_but_an_unreachable_app(ctx, response, case):
    status = response.status_code
    if status < 500:
        return None
    try:
        body = response.json()
    except Exception:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    if status in UNREACHABLE and code == UNREACHABLE[status]:
        return None
    raise AssertionError(f"server error {status} (code {code!r}): {response.text[:500]}")
