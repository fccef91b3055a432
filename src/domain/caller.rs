//! Who is asking: what the operation log records about a call's origin.

/// The API key (by id, never the secret), request id or sync run behind a call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    pub api_key_id: Option<String>,
    pub request_id: Option<String>,
    /// An earlier attempt of this very request may have done part of its work
    /// (a retried `Idempotency-Key` whose first attempt failed or was cut off).
    pub resumed: bool,
    /// The sync run making the call, so its changes can be found in the operation log.
    pub run_id: Option<uuid::Uuid>,
}

/// What an authenticated API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ReadWrite,
    /// GET requests only.
    ReadOnly,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::ReadWrite, Scope::ReadOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadWrite => "read_write",
            Scope::ReadOnly => "read_only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read_write" => Some(Scope::ReadWrite),
            "read_only" => Some(Scope::ReadOnly),
            _ => None,
        }
    }
}
