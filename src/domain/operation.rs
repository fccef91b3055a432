//! The operation log's vocabulary: one provisioning call made to an app, and
//! which calls to list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Success, Outcome::Failure];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One provisioning call made to an app, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRecord {
    pub operation_id: Uuid,
    pub connection_id: Uuid,
    pub connection_name: String,
    pub operation: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub outcome: Outcome,
    pub provider_status: Option<i32>,
    pub error_code: Option<String>,
    pub attempts: i32,
    pub duration_ms: i64,
    pub request_id: Option<String>,
    pub api_key_id: Option<String>,
    pub run_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The group a group operation was about.
    pub group_id: Option<String>,
    /// How many members a membership change added or removed.
    pub item_count: Option<i32>,
}

/// Which operations to list. Every field narrows; `before` is the keyset cursor.
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    pub connection_id: Option<Uuid>,
    pub connection_name: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub outcome: Option<Outcome>,
    pub run_id: Option<Uuid>,
    pub group_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
}
