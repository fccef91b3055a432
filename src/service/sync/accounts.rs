//! The app's accounts as a plan holds them: compact, and indexed the ways a
//! person is matched to an account.
//!
//! A plan needs every account for matching and for listing orphans, but the
//! whole of one only to compare it with a matched person. So each account
//! keeps what matching needs (id, user name, external id, primary email,
//! whether it is active) and the rest as its JSON text, parsed back for the
//! comparison: about 600 bytes an account instead of about 1.2 KiB parsed
//! (60 MiB saved at 100,000 accounts). The indexes compare names ignoring case
//! without keeping lower-cased copies.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
};

use crate::domain::{MultiValued, User, UserFields};

/// One account in the app.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: Box<str>,
    pub user_name: Box<str>,
    pub external_id: Option<Box<str>>,
    /// The primary email (or the first), as the app has it.
    pub email: Option<Box<str>>,
    pub active: bool,
    /// The account's fields as JSON (`UserFields`).
    fields: Box<str>,
}

impl Account {
    pub fn new(user: &User) -> Self {
        Self {
            id: user.id.as_str().into(),
            user_name: user.fields.user_name.as_str().into(),
            external_id: user.fields.external_id.as_deref().map(Into::into),
            email: primary_of(&user.fields.emails).map(Into::into),
            active: user.fields.active,
            fields: serde_json::to_string(&user.fields)
                .unwrap_or_default()
                .into_boxed_str(),
        }
    }

    /// The account's fields, parsed back (for comparing with what a person
    /// should have). They were written from a valid `UserFields`, so they
    /// always parse; the fallback keeps only what matching knows.
    pub fn fields(&self) -> UserFields {
        serde_json::from_str(&self.fields).unwrap_or_else(|_| UserFields {
            user_name: self.user_name.to_string(),
            external_id: self.external_id.as_deref().map(str::to_owned),
            active: self.active,
            ..UserFields::default()
        })
    }
}

/// The primary email of `emails` (or the first).
pub fn primary_of(emails: &[MultiValued]) -> Option<&str> {
    emails
        .iter()
        .find(|e| e.primary)
        .or_else(|| emails.first())
        .map(|e| e.value.as_str())
}

/// Every account the app listed, in its order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounts {
    accounts: Vec<Account>,
}

impl Accounts {
    pub fn push(&mut self, user: &User) {
        self.accounts.push(Account::new(user));
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Account> {
        self.accounts.iter()
    }
}

impl<'a> FromIterator<&'a User> for Accounts {
    fn from_iter<I: IntoIterator<Item = &'a User>>(users: I) -> Self {
        Self {
            accounts: users.into_iter().map(Account::new).collect(),
        }
    }
}

/// A name compared and hashed ignoring case (Unicode lower case), borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Caseless<'a>(pub &'a str);

impl Caseless<'_> {
    fn folded(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars().flat_map(char::to_lowercase)
    }
}

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.folded().eq(other.folded())
    }
}

impl Eq for Caseless<'_> {}

impl Hash for Caseless<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.folded() {
            state.write_u32(c as u32);
        }
        state.write_u8(0xff);
    }
}

/// Accounts by a key, most keys naming one account: no list is allocated
/// until a second account has the key.
#[derive(Debug)]
pub struct Index<'a, K> {
    map: HashMap<K, Hits<'a>>,
}

#[derive(Debug)]
enum Hits<'a> {
    One(&'a Account),
    Many(Vec<&'a Account>),
}

impl<'a, K: Hash + Eq> Index<'a, K> {
    pub fn new(entries: impl Iterator<Item = (K, &'a Account)>) -> Self {
        let mut map: HashMap<K, Hits<'a>> = HashMap::new();
        for (key, account) in entries {
            match map.get_mut(&key) {
                None => {
                    map.insert(key, Hits::One(account));
                }
                Some(hits) => match hits {
                    Hits::One(first) => *hits = Hits::Many(vec![*first, account]),
                    Hits::Many(all) => all.push(account),
                },
            }
        }
        Self { map }
    }

    /// The accounts with `key`, in the app's order.
    pub fn get(&self, key: &K) -> &[&'a Account] {
        match self.map.get(key) {
            None => &[],
            Some(Hits::One(one)) => std::slice::from_ref(one),
            Some(Hits::Many(all)) => all,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(id: &str, user_name: &str) -> User {
        let fields = serde_json::from_value(json!({
            "user_name": user_name, "external_id": format!("X-{id}"), "active": false,
            "name": {"given_name": "Ada", "family_name": "Lovelace"},
            "emails": [{"value": "other@example.com"}, {"value": "Ada@Example.com", "primary": true}],
            "extensions": {"urn:example:ext": {"site": "London"}}
        }))
        .unwrap();
        User {
            id: id.into(),
            fields,
            groups: Vec::new(),
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn an_account_keeps_what_matching_needs_and_its_fields_whole() {
        let user = user("u1", "ada@example.com");
        let account = Account::new(&user);
        assert_eq!(&*account.id, "u1");
        assert_eq!(account.external_id.as_deref(), Some("X-u1"));
        assert_eq!(account.email.as_deref(), Some("Ada@Example.com"));
        assert!(!account.active);
        assert_eq!(account.fields(), user.fields);
    }

    #[test]
    fn names_are_indexed_ignoring_case_and_repeats_are_all_found() {
        let accounts: Accounts = [
            user("u1", "Ada@example.com"),
            user("u2", "ada@EXAMPLE.com"),
            user("u3", "grace@example.com"),
        ]
        .iter()
        .collect();
        let index = Index::new(accounts.iter().map(|a| (Caseless(&a.user_name), a)));
        let ids = |key| -> Vec<&str> { index.get(&Caseless(key)).iter().map(|a| &*a.id).collect() };
        assert_eq!(ids("ADA@example.COM"), ["u1", "u2"]);
        assert_eq!(ids("Grace@Example.com"), ["u3"]);
        assert!(ids("nobody@example.com").is_empty());
        assert_ne!(Caseless("ada@example.com"), Caseless("ada@example.co"));
    }
}
