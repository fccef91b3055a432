//! SCIM 2.0 on the wire (RFC 7643/7644): resource types, filters, PATCH
//! operations, and the one HTTP client that executes requests the provider
//! profiles shape. Only this module knows the wire format and upstream statuses.

mod budget;
mod client;
mod endpoint;
mod error;
mod filter;
mod groups;
mod habits;
mod limiter;
mod listing;
mod patch;
mod patching;
mod probe;
mod redact;
mod retry;
mod transport;
mod types;

pub use budget::DEFAULT_BUDGET_BYTES;
pub use client::{ScimClient, ScimClientOptions, Session};
pub use endpoint::{Auth, CallContext, CallStats, Endpoint};
pub use error::{ProviderError, ProviderErrorKind};
pub use filter::Filter;
pub use groups::{GROUP_SCHEMA, add_members, member_id, member_ids, remove_members};
pub use habits::{Habits, Keeper, Learned};
pub use limiter::{Limiter, SharedBudget, pacing_interval};
pub use listing::Collection;
pub use patch::{PatchOp, PatchOperation, apply_operations};
pub use probe::{Written, version_of};
pub use redact::{REDACTED, Redactor};
pub use retry::RetryPolicy;
pub use types::{
    ENTERPRISE_USER, ListResponse, PATCH_OP, ScimError, ServiceProviderConfig, USER_SCHEMA,
    bool_of, id_of,
};
