//! Working out a sync plan: match people to accounts, decide what each needs,
//! and list what nobody claims. Pure: everything it needs is passed in, so it is
//! tested without an app or a database.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{
    accounts::{Account, Accounts, Caseless, Index, primary_of},
    desired::{creation, desired_user, diff},
    memberships::{self, GroupChange, GroupState, UnmanagedMember},
};
use crate::{
    domain::{
        Action, AppProfile, Change, Connection, ItemChange, ManagedAccount, MatchKey, People,
        Person, Rules, UpdatePayload, UserFields, value_at,
    },
    providers::Provider,
};

/// What to do about one person or account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    pub action: Action,
    pub external_id: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub changes: Vec<Change>,
    pub reason: Option<String>,
    /// What applying does, with what it needs (the new user, or the changes to
    /// make); `None` when applying leaves the item alone.
    /// Boxed: most items of a large plan change nothing, and an inline
    /// payload (a whole user) would make every one of them that large.
    #[serde(rename = "payload")]
    pub change: Option<Box<ItemChange>>,
    /// The account matched this person: applying the plan links it as managed
    /// (changed accounts are linked when their change lands).
    #[serde(default)]
    pub matched: bool,
}

/// An account in the app that no person claims and provisio does not manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Orphan {
    pub user_id: String,
    pub user_name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Totals {
    pub people: usize,
    pub accounts: usize,
    pub create: usize,
    pub update: usize,
    pub deactivate: usize,
    pub reactivate: usize,
    pub unchanged: usize,
    pub conflict: usize,
    pub orphans: usize,
    /// Memberships of managed groups the plan adds.
    #[serde(default)]
    pub memberships_added: usize,
    /// Memberships of managed groups the plan removes.
    #[serde(default)]
    pub memberships_removed: usize,
    /// Groups the plan creates (`groups.create_missing`).
    #[serde(default)]
    pub groups_created: usize,
    /// Memberships that cannot be made (a role names a group the app lacks).
    #[serde(default)]
    pub membership_conflicts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub totals: Totals,
    pub items: Vec<PlanItem>,
    pub orphans: Vec<Orphan>,
    /// Accounts provisio manages in this app, for the deprovision limit.
    pub managed: usize,
    /// Per managed group, the memberships applying adds and removes.
    pub group_changes: Vec<GroupChange>,
    /// Accounts provisio does not manage found in managed groups (left alone).
    pub unmanaged_members: Vec<UnmanagedMember>,
    /// What the reader should know (a role naming a group the app lacks).
    pub warnings: Vec<String>,
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Deprovision {
    /// Leavers' managed accounts are deactivated.
    Deactivate,
    /// Leavers are reported, nothing is deprovisioned.
    None,
}

impl Deprovision {
    pub fn as_str(self) -> &'static str {
        match self {
            Deprovision::Deactivate => "deactivate",
            Deprovision::None => "none",
        }
    }
}

pub struct PlanInput<'a> {
    pub people: &'a People,
    pub accounts: &'a Accounts,
    pub managed: &'a [ManagedAccount],
    pub rules: &'a Rules,
    pub deprovision: Deprovision,
    pub adopt: bool,
    pub profile: &'a dyn Provider,
    pub connection: &'a Connection,
    /// The managed groups as the app holds them (empty without roles).
    pub groups: &'a GroupState,
    /// How the app behaves (what it keeps decides what can be compared).
    pub app: AppProfile,
}

/// Indexes over the app's accounts.
struct AccountIndex<'a> {
    by_id: HashMap<&'a str, &'a Account>,
    by_external_id: Index<'a, &'a str>,
    by_user_name: Index<'a, Caseless<'a>>,
    by_email: Index<'a, Caseless<'a>>,
}

impl<'a> AccountIndex<'a> {
    fn new(accounts: &'a Accounts) -> Self {
        AccountIndex {
            by_id: accounts.iter().map(|a| (&*a.id, a)).collect(),
            by_external_id: Index::new(
                accounts
                    .iter()
                    .filter_map(|a| Some((a.external_id.as_deref()?, a))),
            ),
            by_user_name: Index::new(accounts.iter().map(|a| (Caseless(&a.user_name), a))),
            by_email: Index::new(
                accounts
                    .iter()
                    .filter_map(|a| Some((Caseless(a.email.as_deref()?), a))),
            ),
        }
    }

    /// Accounts matching by `key`: the person's external id, or the user name
    /// and primary email their account should have (the mapping applied).
    fn candidates(&self, key: MatchKey, person: &Person, wanted: &UserFields) -> Vec<&'a Account> {
        let found = match key {
            MatchKey::ExternalId => self.by_external_id.get(&person.key()),
            MatchKey::UserName => self.by_user_name.get(&Caseless(&wanted.user_name)),
            MatchKey::Email => match primary_of(&wanted.emails) {
                Some(email) => self.by_email.get(&Caseless(email)),
                None => &[],
            },
        };
        found.to_vec()
    }
}

/// What the plan knows about the app's accounts while it walks the people.
struct State<'a, 'i> {
    input: &'i PlanInput<'i>,
    accounts: AccountIndex<'a>,
    /// external id → linked account id.
    links: HashMap<&'a str, &'a str>,
    /// Managed account id → the external id it is linked to.
    managed: HashMap<&'a str, Option<&'a str>>,
    /// Accounts a person has.
    claimed: HashSet<&'a str>,
    /// Accounts caught up in a conflict: never deprovisioned by this plan.
    contested: HashSet<&'a str>,
}

/// Works out the plan.
pub fn plan<'i>(input: &'i PlanInput<'i>) -> Plan {
    let mut state = State {
        input,
        accounts: AccountIndex::new(input.accounts),
        links: input
            .managed
            .iter()
            .filter_map(|m| Some((m.external_id.as_deref()?, m.user_id.as_str())))
            .collect(),
        managed: input
            .managed
            .iter()
            .map(|m| (m.user_id.as_str(), m.external_id.as_deref()))
            .collect(),
        claimed: HashSet::new(),
        contested: HashSet::new(),
    };
    // Sized up front: grown by doubling, a large plan's items would take up
    // to twice their room while they are copied over.
    let mut items: Vec<PlanItem> = Vec::with_capacity(input.people.len());
    items.extend(input.people.iter().map(|p| state.person(&p)));
    refuse_colliding_creates(&mut items, &state.accounts);
    items.extend(state.leavers());
    let orphans = state.orphans(&mut items);
    let managed: HashSet<&str> = state
        .managed
        .keys()
        .chain(state.claimed.iter())
        .copied()
        .collect();
    let memberships = memberships::plan(input, &mut items, &managed);
    Plan {
        totals: totals(input, &items, &orphans, &memberships.changes),
        items,
        orphans,
        managed: input.managed.len(),
        group_changes: memberships.changes,
        unmanaged_members: memberships.unmanaged,
        warnings: memberships.warnings,
    }
}

fn totals(
    input: &PlanInput<'_>,
    items: &[PlanItem],
    orphans: &[Orphan],
    changes: &[GroupChange],
) -> Totals {
    let mut totals = Totals {
        people: input.people.len(),
        accounts: input.accounts.len(),
        orphans: orphans.len(),
        ..Totals::default()
    };
    for item in items {
        let slot = match item.action {
            Action::Create => &mut totals.create,
            Action::Update => &mut totals.update,
            Action::Deactivate => &mut totals.deactivate,
            Action::Reactivate => &mut totals.reactivate,
            Action::Unchanged => &mut totals.unchanged,
            Action::Conflict => &mut totals.conflict,
            Action::CreateGroup | Action::AddMembers | Action::RemoveMembers => continue,
        };
        *slot += 1;
    }
    for change in changes {
        if change.conflict.is_some() {
            totals.membership_conflicts += change.add.len();
        } else {
            totals.memberships_added += change.add.len();
        }
        totals.memberships_removed += change.remove.len();
        totals.groups_created += usize::from(change.create);
    }
    totals
}

/// Why an account cannot be matched, and the accounts involved.
type Contest<'a> = (String, Vec<&'a Account>);

impl<'a, 'i> State<'a, 'i>
where
    'i: 'a,
{
    /// What to do about one person: their account matched, then decided.
    fn person(&mut self, person: &Person) -> PlanItem {
        let desired = desired_user(person, self.input.rules);
        // Matching looks for the account the person should have: when the
        // mapping cannot be worked out, for the one their own fields describe.
        let fields = desired.as_ref().unwrap_or(&person.fields);
        match self.match_account(person, fields) {
            Err((reason, candidates)) => {
                self.contested.extend(candidates.iter().map(|a| &*a.id));
                conflict(person, None, reason)
            }
            Ok(account) => {
                if let Some(account) = account {
                    self.claimed.insert(&account.id);
                }
                self.decide(person, desired, account)
            }
        }
    }

    /// Managed accounts nobody claims any more: leavers, deprovisioned.
    fn leavers(&mut self) -> Vec<PlanItem> {
        let input = self.input;
        let mut items = Vec::new();
        for managed in input.managed {
            let Some(account) = self.accounts.by_id.get(managed.user_id.as_str()).copied() else {
                continue;
            };
            let id = &*account.id;
            if self.claimed.contains(id) || self.contested.contains(id) {
                continue;
            }
            self.claimed.insert(id);
            let key = managed.external_id.clone();
            items.push(deprovision(account, key, "no longer in the HR data", input));
        }
        items
    }

    /// Every account nobody claims and provisio does not manage: reported,
    /// and deprovisioned (into `items`) only when adopted.
    fn orphans(&self, items: &mut Vec<PlanItem>) -> Vec<Orphan> {
        let input = self.input;
        let mut orphans = Vec::new();
        for account in input.accounts.iter() {
            let id = &*account.id;
            if self.claimed.contains(id) || self.managed.contains_key(id) {
                continue;
            }
            orphans.push(Orphan {
                user_id: id.to_owned(),
                user_name: account.user_name.to_string(),
                active: account.active,
            });
            if input.adopt && !self.contested.contains(id) {
                // Linked without an external id: the one the app holds may be another person's.
                items.push(deprovision(account, None, "an orphan, adopted", input));
            }
        }
        orphans
    }

    /// The account a person has: their managed link first, then the match order.
    fn match_account(
        &self,
        person: &Person,
        wanted: &UserFields,
    ) -> Result<Option<&'a Account>, Contest<'a>> {
        if let Some(account) = self
            .links
            .get(person.key())
            .and_then(|id| self.accounts.by_id.get(id))
        {
            return Ok(Some(account));
        }
        for key in &self.input.rules.match_order {
            let candidates = self.accounts.candidates(*key, person, wanted);
            let account = match candidates.as_slice() {
                [] => continue,
                [one] => *one,
                many => {
                    let reason = format!(
                        "{} accounts match by {}; resolve the duplicates in the app",
                        many.len(),
                        match_key_name(*key)
                    );
                    return Err((reason, candidates));
                }
            };
            if self.claimed.contains(&*account.id) {
                let reason = format!(
                    "account {} ({}) already matches another person",
                    account.id, account.user_name
                );
                return Err((reason, vec![account]));
            }
            if let Some(Some(other)) = self.managed.get(&*account.id)
                && *other != person.key()
            {
                let reason = format!("account {} is managed for external_id {other}", account.id);
                return Err((reason, vec![account]));
            }
            return Ok(Some(account));
        }
        Ok(None)
    }

    fn decide(
        &self,
        person: &Person,
        desired: Result<UserFields, String>,
        account: Option<&Account>,
    ) -> PlanItem {
        let input = self.input;
        let external_id = Some(person.key().to_owned());
        match (wanted(person, input.rules), account) {
            (Err(reason), Some(account))
                if self.managed.contains_key(&*account.id) || input.adopt =>
            {
                PlanItem {
                    matched: true,
                    ..deprovision(account, external_id, &reason, input)
                }
            }
            (Err(reason), Some(account)) => PlanItem {
                action: Action::Unchanged,
                external_id,
                user_id: Some(account.id.to_string()),
                user_name: Some(account.user_name.to_string()),
                changes: Vec::new(),
                reason: Some(format!(
                    "{reason}; the matching account is not managed by provisio, so it is left alone (send `adopt: true` to deprovision it)"
                )),
                change: None,
                matched: false,
            },
            (Err(reason), None) => PlanItem {
                action: Action::Unchanged,
                external_id,
                user_id: None,
                user_name: Some(person.fields.user_name.clone()),
                changes: Vec::new(),
                reason: Some(format!("{reason}; no account to deprovision")),
                change: None,
                matched: false,
            },
            (Ok(()), account) => {
                let desired = match desired {
                    Ok(desired) => desired,
                    Err(reason) => return conflict(person, account, reason),
                };
                match account {
                    None => create(person, desired, input),
                    Some(account) => change(kept(desired, &input.app), account, external_id),
                }
            }
        }
    }
}

fn create(person: &Person, desired: UserFields, input: &PlanInput<'_>) -> PlanItem {
    let errors = input.profile.validate_new_user(&desired, input.connection);
    if !errors.is_empty() {
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| format!("`{}` {}", e.field, e.message))
            .collect();
        return conflict(person, None, reasons.join("; "));
    }
    PlanItem {
        action: Action::Create,
        external_id: Some(person.key().to_owned()),
        user_id: None,
        user_name: Some(desired.user_name.clone()),
        // What the new account gets, field by field, for review (and the fingerprint).
        changes: creation(&desired),
        reason: None,
        change: Some(Box::new(ItemChange::Create(desired))),
        matched: false,
    }
}

fn change(desired: UserFields, account: &Account, external_id: Option<String>) -> PlanItem {
    let changes = diff(&desired, &account.fields());
    let action = match (account.active, changes.is_empty()) {
        (false, _) => Action::Reactivate,
        (true, true) => Action::Unchanged,
        (true, false) => Action::Update,
    };
    let update = |active| UpdatePayload {
        desired,
        changes: changes.clone(),
        active,
    };
    let change = match action {
        Action::Reactivate => Some(Box::new(ItemChange::Reactivate(update(Some(true))))),
        Action::Update => Some(Box::new(ItemChange::Update(update(None)))),
        _ => None,
    };
    let mut shown = changes;
    if action == Action::Reactivate {
        // As a deactivation shows `active: true → false`, a reactivation shows its way back.
        shown.insert(0, active_change(false, true));
    }
    PlanItem {
        action,
        external_id,
        user_id: Some(account.id.to_string()),
        user_name: Some(account.user_name.to_string()),
        changes: shown,
        reason: None,
        change,
        matched: true,
    }
}

/// What the app can hold of `desired`: an app that drops `externalId` would
/// be sent it again by every plan, never to keep it (the managed link keeps
/// the person's key instead).
fn kept(mut desired: UserFields, app: &AppProfile) -> UserFields {
    if app.keeps_external_id == Some(false) {
        desired.external_id = None;
    }
    desired
}

fn active_change(before: bool, after: bool) -> Change {
    Change {
        field: "active".into(),
        before: Value::Bool(before),
        after: Value::Bool(after),
    }
}

/// Two new accounts with one user name, or a new account with the name of
/// one the app has, would fail (or duplicate) at apply time: conflicts now.
fn refuse_colliding_creates(items: &mut [PlanItem], accounts: &AccountIndex<'_>) {
    let name_of = |item: &PlanItem| item.user_name.as_deref().unwrap_or_default().to_lowercase();
    let mut wanted_by: HashMap<String, Vec<String>> = HashMap::new();
    for item in items.iter().filter(|i| i.action == Action::Create) {
        wanted_by
            .entry(name_of(item))
            .or_default()
            .push(item.external_id.clone().unwrap_or_default());
    }
    for item in items.iter_mut().filter(|i| i.action == Action::Create) {
        let name = name_of(item);
        let reason = if let Some(existing) = accounts.by_user_name.get(&Caseless(&name)).first() {
            format!(
                "user_name {name} is taken by account {} in the app, which did not match this person",
                existing.id
            )
        } else if let Some(others) = wanted_by.get(&name).filter(|o| o.len() > 1) {
            let others: Vec<&str> = others
                .iter()
                .map(String::as_str)
                .filter(|o| Some(*o) != item.external_id.as_deref())
                .collect();
            format!(
                "user_name {name} is also wanted by external_id {}",
                others.join(", ")
            )
        } else {
            continue;
        };
        *item = PlanItem {
            action: Action::Conflict,
            changes: Vec::new(),
            reason: Some(reason),
            change: None,
            ..item.clone()
        };
    }
}

fn match_key_name(key: MatchKey) -> &'static str {
    match key {
        MatchKey::ExternalId => "external_id",
        MatchKey::UserName => "user_name",
        MatchKey::Email => "email",
    }
}

/// Whether the person should have an active account, and why not.
pub(super) fn wanted(person: &Person, rules: &Rules) -> Result<(), String> {
    if !person.fields.active {
        return Err("the person is marked inactive".into());
    }
    let doc = person.as_json();
    if let Some(status) = value_at(&doc, "attributes.employment_status").and_then(Value::as_str)
        && rules.is_leaving(status)
    {
        return Err(format!("employment_status is {status}"));
    }
    if let Some(condition) = &rules.eligibility
        && !condition.matches(&doc)
    {
        return Err("the person does not meet the eligibility rules".into());
    }
    Ok(())
}

fn deprovision(
    account: &Account,
    external_id: Option<String>,
    reason: &str,
    input: &PlanInput<'_>,
) -> PlanItem {
    let action = if account.active && input.deprovision == Deprovision::Deactivate {
        Action::Deactivate
    } else {
        Action::Unchanged
    };
    let reason = match (action, account.active) {
        (Action::Deactivate, _) => reason.to_owned(),
        (_, false) => format!("{reason}; already inactive"),
        _ => format!("{reason}; deprovision is `none`"),
    };
    PlanItem {
        action,
        external_id,
        user_id: Some(account.id.to_string()),
        user_name: Some(account.user_name.to_string()),
        changes: if action == Action::Deactivate {
            vec![active_change(true, false)]
        } else {
            Vec::new()
        },
        reason: Some(reason),
        change: (action == Action::Deactivate).then(|| Box::new(ItemChange::Deactivate)),
        matched: false,
    }
}

fn conflict(person: &Person, account: Option<&Account>, reason: String) -> PlanItem {
    PlanItem {
        action: Action::Conflict,
        external_id: Some(person.key().to_owned()),
        user_id: account.map(|a| a.id.to_string()),
        user_name: Some(person.fields.user_name.clone()),
        changes: Vec::new(),
        reason: Some(reason),
        change: None,
        matched: false,
    }
}

/// A digest of what the plan would do: equal digests, equal plans. Items are
/// hashed in a canonical order, so the order the app lists accounts in (or the
/// database returns links in) does not matter.
pub fn fingerprint(plan: &Plan) -> String {
    let mut summaries: Vec<Vec<u8>> = plan
        .items
        .iter()
        .map(|item| {
            let summary =
                serde_json::json!([item.action, item.external_id, item.user_id, item.changes]);
            serde_json::to_vec(&summary).unwrap_or_default()
        })
        .collect();
    // Memberships too: one changed in the app since the plan makes it stale.
    for change in &plan.group_changes {
        let mut add = change.add.clone();
        let mut remove = change.remove.clone();
        add.sort();
        remove.sort();
        let summary =
            serde_json::json!([change.group, change.group_id, change.create, add, remove]);
        summaries.push(serde_json::to_vec(&summary).unwrap_or_default());
    }
    summaries.sort_unstable();
    let mut hasher = Sha256::new();
    for summary in summaries {
        hasher.update(summary);
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests;
