//! Domain types: the vocabulary of provisio, independent of HTTP, SQL and wire formats.
//!
//! Values here are parsed at the boundary and valid by construction: a
//! [`ConnectionName`] that exists is a valid name.

mod app_profile;
mod caller;
mod catalogue;
mod connection;
mod credentials;
mod error_code;
mod field_error;
mod group;
pub mod json;
mod operation;
mod patch;
mod people;
mod person;
mod provider;
mod rules;
mod sync;
mod user;

pub use app_profile::{AppProfile, ConnectionProfile};
pub use caller::{Caller, Scope};
pub use catalogue::{
    Capabilities, CatalogueEntry, InstanceUrlRule, SettingKind, SettingSpec, UpdateStrategy,
};
pub use connection::{Connection, ConnectionKey, ConnectionName, ConnectionSettings, InstanceUrl};
pub use credentials::{CorruptCredentialsError, CredentialKind, CredentialSummary, Credentials};
pub use error_code::ErrorCode;
pub use field_error::{FieldError, FieldErrors};
pub use group::{
    Group, GroupPatch, GroupRef, MAX_MEMBERSHIP_CHANGES, Member, MembershipChange,
    MembershipResult, NewGroup,
};
pub use operation::{OperationFilter, OperationRecord, Outcome};
pub use patch::Patch;
pub use people::{People, PeopleReader};
pub use person::{Person, value_at};
pub use provider::ProviderKind;
pub use rules::{
    Condition, DeprovisionLimit, GroupOptions, MAPPABLE_FIELDS, MappingRule, MatchKey,
    OnDeprovision, Role, Rules, managed_groups,
};
pub use sync::{
    Action, Change, GroupTarget, ItemChange, ItemCounts, ItemFilter, ItemStatus, ManagedAccount,
    MemberRef, MembersPayload, RunStatus, SyncItem, SyncRun, UpdatePayload,
};
pub use user::{MultiValued, NamePatch, PersonName, User, UserFields, UserPatch, is_core_schema};
