//! 8x8. The SCIM base is `https://platform.8x8.com/udi/customers/{customer_id}/scim/v2`
//! (the host may differ); a pasted URL carries the customer id after `/customers/`.
//! DELETE only deactivates, so provisio refuses delete; PATCH only changes `active`.

use serde_json::{Map, Value, json};
use url::Url;

use super::{GroupSupport, 
    ConnectionDraft, Descriptor, InstanceUrlRule, PatchSupport, Provider,
    SettingKind, SettingSpec, keep_given_and_family_name, mapping, parse_url,
    require_given_and_family_name,
};
use crate::{
    domain::{
        Connection, CredentialKind, FieldErrors, MultiValued, Patch, UserFields,
        UserPatch,
    },
    scim::PatchOperation,
};

pub struct EightByEight;

const DEFAULT_HOST: &str = "https://platform.8x8.com/";
const CUSTOMER_ID: &str = "customer_id";

static DESCRIPTOR: Descriptor = Descriptor {
    display_name: "8x8",
    description: "8x8's SCIM API: the \"8x8 API Token\" and \"8x8 URL\" from Admin Console > Identity and Security > User Provisioning Integration (SCIM).",
    auth_types: &[CredentialKind::ApiKey, CredentialKind::Bearer],
    instance_url: InstanceUrlRule {
        required: false,
        default: Some(DEFAULT_HOST),
        help: "paste the \"8x8 URL\" (it carries the customer id), or leave empty for https://platform.8x8.com and set settings.customer_id",
    },
    settings: &[SettingSpec {
        name: CUSTOMER_ID,
        description: "your 8x8 customer id, the part after /customers/ in the 8x8 URL",
        required: true,
        kind: SettingKind::Identifier { max_len: 64 },
    }],
    filters: &["userName", "externalId"],
    notes: &[
        "new users need name.given_name, name.family_name and exactly one work email",
        "userName must be unique across all of 8x8, not only your account",
        "a user's site (urn:8x8:scim:schemas:extension:8x8user:2.0:User site) cannot change once set",
    ],
    documentation_url: "https://support.8x8.com/cloud-phone-service/voice/work-desktop/User_Provisioning_with_8x8_SCIM_API",
};

impl Provider for EightByEight {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// 8x8 provisions users only.
    fn groups(&self) -> GroupSupport {
        GroupSupport::No
    }

    /// Takes the customer id from a pasted URL (refusing one that contradicts
    /// `settings.customer_id`) and rebuilds the canonical SCIM base from host and id.
    fn prepare_connection(&self, draft: &mut ConnectionDraft, errors: &mut FieldErrors) {
        let raw = draft
            .instance_url
            .clone()
            .unwrap_or_else(|| DEFAULT_HOST.to_owned());
        let Some(url) = parse_url(&raw) else {
            return;
        };
        let from_url = customer_id_in(&url);
        let from_settings = draft
            .settings
            .get(CUSTOMER_ID)
            .and_then(|v| v.as_str())
            .map(str::trim);
        let customer_id = match (from_url.as_deref(), from_settings) {
            (Some(a), Some(b)) if a != b => {
                errors.push(
                    "settings.customer_id",
                    format!("is `{b}` but instance_url names customer `{a}`; give one or make them agree"),
                );
                return;
            }
            (Some(id), _) => id.to_owned(),
            (None, Some(id)) => id.to_owned(),
            (None, None) => return, // settings validation reports the missing id
        };
        draft
            .settings
            .insert(CUSTOMER_ID.into(), customer_id.clone().into());
        if let Some(host) = url.host_str() {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            draft.instance_url = Some(format!(
                "{}://{host}{port}/udi/customers/{customer_id}/scim/v2",
                url.scheme()
            ));
        }
    }

    /// 8x8 accepts PATCH for `active` only; attribute changes are GET-merge-PUT.
    fn patch_support(&self) -> PatchSupport {
        PatchSupport::ActiveOnly
    }

    fn validate_new_user(&self, user: &UserFields, _connection: &Connection) -> FieldErrors {
        let mut errors = FieldErrors::new();
        require_given_and_family_name(user, "8x8", &mut errors);
        check_one_work_email(&user.emails, &mut errors);
        errors
    }

    fn validate_patch(&self, patch: &UserPatch) -> FieldErrors {
        let mut errors = FieldErrors::new();
        keep_given_and_family_name(patch, "8x8", &mut errors);
        match &patch.emails {
            Patch::Null => errors.push("emails", "cannot be removed: 8x8 requires one work email"),
            Patch::Value(emails) => check_one_work_email(emails, &mut errors),
            Patch::Absent => {}
        }
        errors
    }

    /// The one email is always the primary work email.
    fn user_resource(&self, user: &UserFields, _connection: &Connection) -> Map<String, Value> {
        let mut resource = mapping::to_scim(user, self.dialect());
        if let Some(email) = user.emails.first() {
            resource.insert("emails".into(), work_email(email));
        }
        resource
    }

    fn patch_operations(&self, patch: &UserPatch) -> Vec<PatchOperation> {
        let mut operations = mapping::operations(patch, self.dialect());
        if let Patch::Value(emails) = &patch.emails
            && let Some(email) = emails.first()
        {
            for operation in &mut operations {
                if let PatchOperation::Replace { path, value } = operation
                    && path == "emails"
                {
                    *value = work_email(email);
                }
            }
        }
        operations
    }

    fn delete_refusal(&self) -> Option<&'static str> {
        Some("8x8's SCIM DELETE only deactivates users; deactivate instead (POST …/deactivate)")
    }

    fn has_service_provider_config(&self) -> bool {
        false
    }
}

fn check_one_work_email(emails: &[MultiValued], errors: &mut FieldErrors) {
    match emails {
        [] => errors.push("emails", "8x8 requires exactly one work email"),
        [only] => {
            if only
                .kind
                .as_deref()
                .is_some_and(|k| !k.eq_ignore_ascii_case("work"))
            {
                errors.push("emails[0].type", "must be `work`: 8x8 keeps one work email");
            }
        }
        _ => errors.push("emails", "8x8 keeps exactly one email, the work email"),
    }
}

fn work_email(email: &MultiValued) -> Value {
    json!([{"value": email.value, "type": "work", "primary": true}])
}

/// The path segment after `customers`, if the URL has one.
fn customer_id_in(url: &Url) -> Option<String> {
    let mut segments = url.path_segments()?;
    segments.find(|s| s.eq_ignore_ascii_case("customers"))?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}
