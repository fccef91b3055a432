//! Hire-to-retire sync: an HR system sends who should have an account in an
//! app; provisio works out the difference as a reviewable plan and applies it
//! as a durable run.

mod accounts;
mod desired;
mod group_state;
mod items;
mod memberships;
pub mod plan;
mod service;
mod worker;

pub use memberships::{GroupChange, UnmanagedMember};
pub use plan::{Deprovision, Orphan, Plan, PlanItem, Totals};
pub use service::{RunState, StoredPlan, SyncRequest, SyncService};
pub use worker::{Worker, WorkerOptions};
