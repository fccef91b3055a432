//! `GET /errors`: every error code, what it means and its HTTP status, served
//! by provisio itself so that a problem's `type` (`/errors#<code>`) opens
//! somewhere, whichever version of provisio answered.

use std::fmt::Write;

use axum::response::Html;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{AppState, error::status_of};
use crate::domain::ErrorCode;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(errors))
}

/// A problem's `type`: the code's entry on the errors page, relative to this
/// server (RFC 9457 allows a relative reference; it resolves against the request).
pub fn problem_type(code: ErrorCode) -> String {
    format!("/errors#{}", code.as_str())
}

/// The error codes: each one's meaning, what to do, and its HTTP status.
#[utoipa::path(get, path = "/errors", tag = "health", security(()),
    responses((status = 200, description = "An HTML page with one entry per code, anchored by the code",
        body = String, content_type = "text/html")))]
async fn errors() -> Html<String> {
    Html(page())
}

fn page() -> String {
    let mut html = String::from(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>provisio error codes</title>",
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}",
        "dt{font-family:monospace;font-weight:bold;margin-top:1rem}:target{background:#ffd}</style>",
        "</head><body><h1>provisio error codes</h1>",
        "<p>Every error is <code>application/problem+json</code> with a stable <code>code</code>. ",
        "Branch on the code, never on <code>detail</code>; a code you do not know yet is handled by its HTTP status. ",
        "Quote <code>request_id</code> when you report a problem: the server's log has the cause under it.</p><dl>",
    ));
    for code in ErrorCode::ALL {
        let status = status_of(*code);
        // The texts are the crate's own constants: nothing to escape but `<`/`&`, which they do not hold.
        let _ = write!(
            html,
            "<dt id=\"{id}\">{id}</dt><dd>HTTP {status} · {title}. {meaning}</dd>",
            id = code.as_str(),
            status = status.as_u16(),
            title = code.title(),
            meaning = code.meaning().replace('`', ""),
        );
    }
    html.push_str("</dl></body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_anchored_entry_and_no_markup_in_its_text() {
        let html = page();
        for code in ErrorCode::ALL {
            assert!(html.contains(&format!("<dt id=\"{0}\">{0}</dt>", code.as_str())));
            assert!(!code.meaning().contains(['<', '&']), "{code:?}");
        }
    }
}
