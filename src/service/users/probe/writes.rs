//! The write checks, with a throwaway user: what a create keeps and answers,
//! what a PATCH answers, whether versions change, and removing it again.

use serde_json::{Map, Value, json};

use super::Probe;
use crate::{
    domain::UserFields,
    scim::{PatchOp, PatchOperation, Written, id_of, version_of},
};

impl Probe<'_> {
    /// Creates `provisio-probe-<random>` (with an externalId) and checks what
    /// came back; returns it when it exists.
    pub(super) async fn create(&mut self) -> Option<Map<String, Value>> {
        let tag = format!(
            "provisio-probe-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let user_name = format!("{tag}@example.com");
        let fields: UserFields = serde_json::from_value(json!({
            "user_name": user_name,
            "external_id": tag,
            "display_name": "provisio probe",
            "name": {"given_name": "Provisio", "family_name": "Probe"},
            "emails": [{"value": user_name, "type": "work", "primary": true}],
        }))
        .ok()?;
        let app = &self.op.app;
        let invalid = app.profile.validate_new_user(&fields, &app.connection);
        if !invalid.is_empty() {
            let why: Vec<String> = invalid
                .iter()
                .map(|e| format!("`{}` {}", e.field, e.message))
                .collect();
            self.pass(
                "create",
                format!(
                    "not checked: a throwaway user cannot be made here ({})",
                    why.join("; ")
                ),
            );
            return None;
        }
        let resource = app.profile.user_resource(&fields, &app.connection);
        let written = match self.scim().probe_create(&resource).await {
            Ok(written) => written,
            Err(e) => {
                self.fail("create", e);
                return None;
            }
        };
        let created = written.resource.clone()?;
        let id = id_of(&created).unwrap_or_default();
        self.pass(
            "create",
            format!("created the throwaway user {user_name} (id {id})"),
        );
        self.created_answer(&written, &created, &tag);
        Some(created)
    }

    fn created_answer(&mut self, written: &Written, created: &Map<String, Value>, tag: &str) {
        match &written.location {
            Some(location) => self.pass("location", format!("the new user is at {location}")),
            None => self.bend(
                "location",
                "the app did not say where the new user is (no Location header)",
                "none: provisio takes the id from the answer's body",
            ),
        }
        if created.get("externalId").and_then(Value::as_str) == Some(tag) {
            self.found.keeps_external_id = Some(true);
            self.pass("external_id", "the app kept the externalId it was sent");
        } else {
            self.found.keeps_external_id = Some(false);
            self.bend(
                "external_id",
                "the app dropped the externalId it was sent",
                "people are matched to accounts by user name and email, and a plan says so",
            );
        }
    }

    /// Changes the throwaway user by PATCH, then deletes it (or deactivates
    /// it where the app has no delete).
    pub(super) async fn patch_and_remove(&mut self, user: &Map<String, Value>) {
        let id = id_of(user).unwrap_or_default();
        if self.found.patch == Some(false) {
            self.pass(
                "patch_answer",
                "not checked: the app says it takes no PATCH (changes are GET-merge-PUT)",
            );
        } else {
            self.patch(&id, version_of(user)).await;
        }
        self.remove(&id).await;
    }

    async fn patch(&mut self, id: &str, before: Option<String>) {
        let written = match self.scim().probe_patch(id, &rename("changed"), &[]).await {
            Ok(written) => written,
            Err(e) if matches!(e.status, Some(400 | 405 | 501)) => {
                self.found.patch = Some(false);
                let status = e.status.unwrap_or_default();
                return self.bend(
                    "patch_answer",
                    format!("the app refused PATCH (HTTP {status})"),
                    "changes are sent as GET-merge-PUT: one more call each",
                );
            }
            Err(e) => return self.fail("patch_answer", e),
        };
        self.found.patch = Some(true);
        self.found.patch_returns_resource = Some(written.resource.is_some());
        if written.resource.is_some() {
            self.pass(
                "patch_answer",
                format!("PATCH answered {} with the user", written.status),
            );
        } else {
            self.checks.push(super::Check {
                name: "patch_answer",
                ok: true,
                detail: format!("PATCH answered {} without the user", written.status),
                code: None,
                consequence: Some(
                    "provisio asks for the user in the PATCH itself (`attributes`; see patch_attributes)"
                        .into(),
                ),
            });
        }
        self.version_changed(before, written.version);
        match written.resource {
            None => self.patch_attributes(id).await,
            Some(_) => self.pass(
                "patch_attributes",
                "not checked: PATCH answers with the user without being asked",
            ),
        }
    }

    /// Whether a PATCH naming `attributes` answers 200 with the user, as RFC
    /// 7644 §3.5.2 requires of an app that otherwise answers 204.
    async fn patch_attributes(&mut self, id: &str) {
        let attributes = self.op.app.profile.user_attributes();
        let answer = self
            .scim()
            .probe_patch(id, &rename("asked back"), &attributes)
            .await;
        let costly = "provisio reads the user back after a change: one more call";
        match answer {
            Ok(written) if written.resource.is_some() => {
                self.found.patch_honours_attributes = Some(true);
                self.pass(
                    "patch_attributes",
                    format!(
                        "PATCH with `attributes` answered {} with the user",
                        written.status
                    ),
                );
            }
            Ok(written) => {
                self.found.patch_honours_attributes = Some(false);
                let detail = format!(
                    "PATCH with `attributes` answered {} without the user (RFC 7644 requires 200 with it)",
                    written.status
                );
                self.bend("patch_attributes", detail, costly);
            }
            Err(e) if e.status == Some(400) => {
                self.found.patch_honours_attributes = Some(false);
                self.bend(
                    "patch_attributes",
                    "the app refused `attributes` on PATCH (HTTP 400)",
                    costly,
                );
            }
            Err(e) => self.fail("patch_attributes", e),
        }
    }

    fn version_changed(&mut self, before: Option<String>, after: Option<String>) {
        match (before, after) {
            (Some(before), Some(after)) if before != after => {
                self.found.etag = Some(true);
                self.pass(
                    "etag",
                    format!("the version moved from {before} to {after} with the change"),
                );
            }
            (Some(before), Some(_)) => {
                self.found.etag = Some(false);
                self.bend(
                    "etag",
                    format!("the version stayed {before} across a change"),
                    "If-Match cannot detect a change made meanwhile: a GET-merge-PUT may overwrite it",
                );
            }
            _ => self.pass(
                "etag",
                "not checked: the app gives no versions (no ETag, no meta.version)",
            ),
        }
    }

    async fn remove(&mut self, id: &str) {
        if self.op.app.profile.delete_refusal().is_none() {
            match self.scim().delete_user(id).await {
                Ok(()) => self.pass("cleanup", "deleted the throwaway user"),
                Err(e) => self.fail("cleanup", e),
            }
            return;
        }
        let deactivate = vec![PatchOperation::Replace {
            path: "active".into(),
            value: false.into(),
        }];
        match self.users.apply(self.op, id, deactivate).await {
            Ok(_) => self.pass(
                "cleanup",
                "deactivated the throwaway user (provisio does not delete users in this app)",
            ),
            Err(e) => self.checks.push(super::Check {
                name: "cleanup",
                ok: false,
                code: Some(e.code()),
                detail: format!("{e}; remove the throwaway user by hand"),
                consequence: None,
            }),
        }
    }
}

/// A change of the throwaway user's display name.
fn rename(how: &str) -> PatchOp {
    PatchOp::new(vec![PatchOperation::Replace {
        path: "displayName".into(),
        value: format!("provisio probe ({how})").into(),
    }])
}
