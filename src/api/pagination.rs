//! Cursor pagination. A cursor is opaque to clients: URL-safe base64 of a small
//! JSON object that says which listing it belongs to and where to continue.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::IntoParams;

use super::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 100;

/// `page_size` and `cursor` query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The validated page size.
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.page_size {
            None => Ok(DEFAULT_PAGE_SIZE),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "page_size",
                format!("must be from 1 to {MAX_PAGE_SIZE}"),
            )),
        }
    }

    /// The decoded cursor for `listing`, if one was given.
    pub fn position<T: DeserializeOwned>(&self, listing: &str) -> Result<Option<T>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| decode(listing, c))
            .transpose()
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    /// Which listing the cursor belongs to.
    l: String,
    p: T,
}

/// Encodes a position in `listing` as a cursor.
pub fn encode<T: Serialize>(listing: &str, position: T) -> String {
    let envelope = Envelope {
        l: listing.to_owned(),
        p: position,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&envelope).unwrap_or_default())
}

/// Cuts `rows`, fetched with `limit + 1`, to one page, with the cursor that
/// continues after its last row (none when nothing is left).
pub fn page<T, P: Serialize>(
    mut rows: Vec<T>,
    limit: u32,
    listing: &str,
    position: impl Fn(&T) -> P,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|row| encode(listing, position(row))))
        .flatten();
    (rows, next)
}

fn decode<T: DeserializeOwned>(listing: &str, cursor: &str) -> Result<T, ApiError> {
    let invalid = || {
        ApiError::field(
            "cursor",
            "is not a cursor this listing issued; start again without it",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let envelope: Envelope<T> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if envelope.l != listing {
        return Err(invalid());
    }
    Ok(envelope.p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_within_its_listing() {
        let cursor = encode("connections", "acme".to_owned());
        assert_eq!(decode::<String>("connections", &cursor).unwrap(), "acme");
        assert!(decode::<String>("users", &cursor).is_err());
        assert!(decode::<String>("connections", "not-a-cursor").is_err());
    }
}
