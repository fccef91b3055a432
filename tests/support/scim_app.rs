//! A stand-in SCIM 2.0 app (RFC 7643/7644) for provisio's tests and benchmarks:
//! in memory, fast at 100,000 users, counting every request it receives, and with
//! switchable bad habits ([`Quirk`]) copied from real apps. It shares no code with
//! provisio on purpose: it is a second, independent reading of the RFCs.
//!
//! Included by the integration tests (`tests/api/main.rs`) and by
//! `examples/scim_app.rs` (`cargo run --release --example scim_app -- --port 0`).
//! It is one file so both can include it with `#[path]`; the inner modules keep
//! its parts apart: `table` (rows in creation order), `filter`, `patch`
//! (operations and attribute paths), `store` (users, groups, indexes) and `http`.

// Each including crate uses a different part of this file.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU32, Ordering},
    },
};

use serde_json::{Map, Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// `count` when a listing names none (and the `count-500` quirk is off).
const DEFAULT_COUNT: usize = 100;

/// A bad habit of a real SCIM app; all are off by default and can be switched at
/// start ([`Options::quirk`]) and at run time ([`ScimApp::set_quirk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quirk {
    /// Any request with a `count` parameter answers 500 with an HTML page; a listing
    /// without `count` returns everyone from `startIndex`, with no page limit at all.
    /// ServiceProviderConfig says `filter.supported: false`.
    Count500,
    /// `filter` is ignored: a filtered listing returns everyone, paged.
    IgnoreFilter,
    /// `userName eq` compares case-sensitively, while a create still refuses a
    /// userName taken in another case.
    CaseSensitiveFilter,
    /// A `startIndex` past the end answers the first page again, echoing the
    /// requested `startIndex` with the true `totalResults`.
    RepeatFirstPage,
    /// `externalId` is silently dropped on create, PUT and PATCH.
    DropExternalId,
    /// PATCH answers 204 without a body, unless it names `attributes`: then
    /// 200 with the resource cut to them, as RFC 7644 §3.5.2 requires.
    Patch204,
    /// PATCH answers 204 without a body even when it names `attributes`.
    Patch204Always,
    /// A PATCH naming `attributes` is refused with 400 (`invalidSyntax`), unapplied.
    PatchRefusesAttributes,
    /// No `/Groups`; `/ResourceTypes` lists only User.
    NoGroups,
    /// Group `members[].value` is answered as the member's userName (requests still use ids).
    MembersByUsername,
    /// Members added without `$ref` are refused with 400.
    RequireMemberRef,
    /// PATCH answers 501; ServiceProviderConfig says `patch.supported: false`.
    NoPatch,
}

impl Quirk {
    pub const ALL: [Quirk; 12] = [
        Quirk::Count500,
        Quirk::IgnoreFilter,
        Quirk::CaseSensitiveFilter,
        Quirk::RepeatFirstPage,
        Quirk::DropExternalId,
        Quirk::Patch204,
        Quirk::Patch204Always,
        Quirk::PatchRefusesAttributes,
        Quirk::NoGroups,
        Quirk::MembersByUsername,
        Quirk::RequireMemberRef,
        Quirk::NoPatch,
    ];

    /// The name on the command line: `count-500`, `ignore-filter`, ….
    pub fn name(self) -> &'static str {
        match self {
            Quirk::Count500 => "count-500",
            Quirk::IgnoreFilter => "ignore-filter",
            Quirk::CaseSensitiveFilter => "case-sensitive-filter",
            Quirk::RepeatFirstPage => "repeat-first-page",
            Quirk::DropExternalId => "drop-external-id",
            Quirk::Patch204 => "patch-204",
            Quirk::Patch204Always => "patch-204-always",
            Quirk::PatchRefusesAttributes => "patch-refuses-attributes",
            Quirk::NoGroups => "no-groups",
            Quirk::MembersByUsername => "members-by-username",
            Quirk::RequireMemberRef => "require-member-ref",
            Quirk::NoPatch => "no-patch",
        }
    }

    pub fn parse(name: &str) -> Option<Quirk> {
        Quirk::ALL.into_iter().find(|q| q.name() == name)
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// The quirks switched on at one moment; each request reads them once.
#[derive(Debug, Clone, Copy, Default)]
struct Quirks(u32);

impl Quirks {
    fn has(self, quirk: Quirk) -> bool {
        self.0 & quirk.bit() != 0
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// When set, every request needs `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
    pub quirks: Vec<Quirk>,
    /// Larger `count`s are cut to this.
    pub max_page_size: usize,
    /// Where SCIM lives on the server.
    pub prefix: String,
    /// Print an access-log line per request to stdout (for benchmarks).
    pub log_requests: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            bearer_token: None,
            quirks: Vec::new(),
            max_page_size: 1000,
            prefix: "/scim/v2".into(),
            log_requests: false,
        }
    }
}

impl Options {
    pub fn quirk(mut self, quirk: Quirk) -> Self {
        self.quirks.push(quirk);
        self
    }

    pub fn bearer_token(mut self, token: &str) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    pub fn max_page_size(mut self, size: usize) -> Self {
        self.max_page_size = size;
        self
    }
}

/// Member changes by PATCH, counted as they land.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberWrites {
    pub added: usize,
    pub added_again: usize,
    pub removed: usize,
    pub removed_again: usize,
}

/// One request as the app saw it: `path` without the SCIM prefix (`/Users/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
}

/// A failure answered as a SCIM error body (RFC 7644 §3.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    fn not_found(kind: Kind, id: &str) -> Self {
        Self::new(404, None, format!("no {} has the id {id:?}", kind.name()))
    }

    fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    fn invalid_path(path: &str) -> Self {
        Self::new(
            400,
            Some("invalidPath"),
            format!("unsupported path {path:?}"),
        )
    }
}

/// User or Group: what differs between the two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "/Users",
            Kind::Group => "/Groups",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Kind::User => USER_SCHEMA,
            Kind::Group => GROUP_SCHEMA,
        }
    }

    /// The attribute that is unique ignoring case.
    fn name_attribute(self) -> &'static str {
        match self {
            Kind::User => "userName",
            Kind::Group => "displayName",
        }
    }

    fn location(self, base: &str, id: &str) -> String {
        format!("{base}{}/{id}", self.endpoint())
    }
}

/// What a request may read of the app's settings.
#[derive(Debug, Clone, Copy)]
struct Ctx<'a> {
    base: &'a str,
    quirks: Quirks,
    max_page: usize,
}

/// The state the handlers and the test-side handle share.
struct Shared {
    quirks: AtomicU32,
    token: Option<String>,
    max_page_size: usize,
    prefix: String,
    log_requests: bool,
    base_url: String,
    store: Mutex<store::Store>,
    requests: Mutex<Vec<RequestRecord>>,
}

impl Shared {
    fn quirks(&self) -> Quirks {
        Quirks(self.quirks.load(Ordering::Relaxed))
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            base: &self.base_url,
            quirks: self.quirks(),
            max_page: self.max_page_size,
        }
    }

    // A panic while holding a lock is a bug already reported; the data stays usable.
    fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn requests(&self) -> MutexGuard<'_, Vec<RequestRecord>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running stand-in app; it stops listening when dropped.
pub struct ScimApp {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ScimApp {
    /// Starts on 127.0.0.1 on the current tokio runtime. Panics when it cannot
    /// listen: a test has no use for an app that did not start.
    #[allow(clippy::panic)]
    pub async fn start(options: Options) -> Self {
        match Self::bind(options).await {
            Ok(app) => app,
            Err(e) => panic!("the stand-in SCIM app cannot listen: {e}"),
        }
    }

    pub async fn bind(options: Options) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let prefix = match options.prefix.trim_matches('/') {
            "" => String::new(),
            path => format!("/{path}"),
        };
        let shared = Arc::new(Shared {
            quirks: AtomicU32::new(options.quirks.iter().fold(0, |bits, q| bits | q.bit())),
            token: options.bearer_token,
            max_page_size: options.max_page_size.max(1),
            base_url: format!("http://{addr}{prefix}"),
            prefix,
            log_requests: options.log_requests,
            store: Mutex::default(),
            requests: Mutex::default(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = http::router(shared.clone());
        tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(Self {
            shared,
            addr,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:PORT/scim/v2`
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn set_quirk(&self, quirk: Quirk, on: bool) {
        if on {
            self.shared.quirks.fetch_or(quirk.bit(), Ordering::Relaxed);
        } else {
            self.shared
                .quirks
                .fetch_and(!quirk.bit(), Ordering::Relaxed);
        }
    }

    pub fn has_quirk(&self, quirk: Quirk) -> bool {
        self.shared.quirks().has(quirk)
    }

    /// Adds a user without HTTP (as a POST would, quirks included); returns its id.
    pub fn insert_user(&self, user: Value) -> String {
        self.seed(Kind::User, [user]).pop().unwrap_or_default()
    }

    /// Adds `n` users made by `user(i)` under one lock; returns their ids in order.
    pub fn seed_users(&self, n: usize, user: impl FnMut(usize) -> Value) -> Vec<String> {
        self.seed(Kind::User, (0..n).map(user))
    }

    /// Adds a group without HTTP (`members` as `[{"value": user id}]`); returns its id.
    pub fn insert_group(&self, group: Value) -> String {
        self.seed(Kind::Group, [group]).pop().unwrap_or_default()
    }

    /// A resource the app refuses (a taken userName, none at all) is a bug in the test.
    #[allow(clippy::panic)]
    fn seed(&self, kind: Kind, resources: impl IntoIterator<Item = Value>) -> Vec<String> {
        let ctx = self.shared.ctx();
        let mut store = self.shared.store();
        let mut seed = |resource| {
            let Value::Object(attrs) = resource else {
                panic!("a seeded {} must be a JSON object", kind.name())
            };
            store
                .insert(&ctx, kind, attrs)
                .unwrap_or_else(|e| panic!("cannot seed a {}: {}", kind.name(), e.detail))
        };
        resources.into_iter().map(&mut seed).collect()
    }

    /// Every user as a GET would answer it, in creation order.
    pub fn users(&self) -> Vec<Value> {
        self.shared.store().all(&self.shared.ctx(), Kind::User)
    }

    pub fn user(&self, id: &str) -> Option<Value> {
        self.shared.store().get(&self.shared.ctx(), Kind::User, id)
    }

    /// Member additions and removals by PATCH so far, and those that found
    /// the member already there (or already gone): a client that repeats a
    /// membership change shows here.
    pub fn member_writes(&self) -> MemberWrites {
        self.shared.store().member_writes
    }

    pub fn groups(&self) -> Vec<Value> {
        self.shared.store().all(&self.shared.ctx(), Kind::Group)
    }

    pub fn group(&self, id: &str) -> Option<Value> {
        self.shared.store().get(&self.shared.ctx(), Kind::Group, id)
    }

    /// Every request received since the start (or the last reset), in the order
    /// they were answered.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests().clone()
    }

    /// How many requests had this method and a path (below the prefix) starting so.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .requests()
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    pub fn reset_requests(&self) {
        self.shared.requests().clear();
    }
}

impl Drop for ScimApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

// --- small helpers on JSON objects (attribute names ignore case, RFC 7643 §2.1) ---

fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn take_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_ci(map, name)?;
    map.remove(&key)
}

fn text<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    get_ci(map, name)?.as_str()
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

mod table {
    use std::collections::HashMap;

    /// Rows in creation order, found by id in O(1) and by position among the live
    /// rows in O(log n): a Fenwick tree counts the live slots, so a page deep into
    /// 100,000 rows reads only that page, and a delete is a tombstone.
    pub(super) struct Table<T> {
        slots: Vec<Option<T>>,
        /// 1-based; `tree[i]` counts the live slots in `(i - lowbit(i), i]`.
        tree: Vec<usize>,
        live: usize,
        ids: HashMap<String, usize>,
    }

    impl<T> Default for Table<T> {
        fn default() -> Self {
            Self {
                slots: Vec::new(),
                tree: vec![0],
                live: 0,
                ids: HashMap::new(),
            }
        }
    }

    impl<T> Table<T> {
        pub(super) fn len(&self) -> usize {
            self.live
        }

        /// The slot the next `push` takes.
        pub(super) fn next_slot(&self) -> usize {
            self.slots.len()
        }

        pub(super) fn slot(&self, id: &str) -> Option<usize> {
            self.ids.get(id).copied()
        }

        pub(super) fn get(&self, slot: usize) -> Option<&T> {
            self.slots.get(slot)?.as_ref()
        }

        pub(super) fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
            self.slots.get_mut(slot)?.as_mut()
        }

        pub(super) fn push(&mut self, id: String, row: T) -> usize {
            let slot = self.slots.len();
            self.slots.push(Some(row));
            let i = slot + 1;
            let node = 1 + self.prefix(i - 1) - self.prefix(i - lowbit(i));
            self.tree.push(node);
            self.live += 1;
            self.ids.insert(id, slot);
            slot
        }

        pub(super) fn remove(&mut self, id: &str) -> Option<(usize, T)> {
            let slot = self.ids.remove(id)?;
            let row = self.slots.get_mut(slot)?.take()?;
            let mut i = slot + 1;
            while i < self.tree.len() {
                self.tree[i] -= 1;
                i += lowbit(i);
            }
            self.live -= 1;
            Some((slot, row))
        }

        /// Live rows in slots `[0, i)`.
        fn prefix(&self, mut i: usize) -> usize {
            let mut sum = 0;
            while i > 0 {
                sum += self.tree[i];
                i &= i - 1;
            }
            sum
        }

        /// The slot of the `k`-th live row (0-based).
        fn nth(&self, k: usize) -> Option<usize> {
            if k >= self.live {
                return None;
            }
            let n = self.tree.len() - 1;
            let (mut pos, mut rest) = (0, k + 1);
            let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
            while step > 0 {
                if pos + step <= n && self.tree[pos + step] < rest {
                    pos += step;
                    rest -= self.tree[pos];
                }
                step >>= 1;
            }
            Some(pos)
        }

        /// Up to `count` live slots from the `from`-th live row (0-based), in order.
        pub(super) fn page(&self, from: usize, count: usize) -> Vec<usize> {
            let Some(first) = self.nth(from) else {
                return Vec::new();
            };
            (first..self.slots.len())
                .filter(|&slot| self.slots[slot].is_some())
                .take(count)
                .collect()
        }

        pub(super) fn slots(&self) -> impl Iterator<Item = usize> + '_ {
            (0..self.slots.len()).filter(|&slot| self.slots[slot].is_some())
        }
    }

    fn lowbit(i: usize) -> usize {
        i & i.wrapping_neg()
    }

    /// The rows a listing covers: all, or the sorted slots a filter found.
    pub(super) enum Selection {
        All,
        Only(Vec<usize>),
    }

    impl Selection {
        pub(super) fn total<T>(&self, table: &Table<T>) -> usize {
            match self {
                Selection::All => table.len(),
                Selection::Only(slots) => slots.len(),
            }
        }

        pub(super) fn page<T>(&self, table: &Table<T>, from: usize, count: usize) -> Vec<usize> {
            match self {
                Selection::All => table.page(from, count),
                Selection::Only(slots) => slots.iter().skip(from).take(count).copied().collect(),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::Table;

        #[test]
        fn pages_skip_deleted_rows_and_keep_creation_order() {
            let mut table = Table::default();
            for i in 0..1000 {
                table.push(i.to_string(), i);
            }
            for i in (0..1000).filter(|i| i % 3 == 0 || (400..700).contains(i)) {
                table.remove(&i.to_string());
            }
            table.push("new".into(), 1000);
            let live: Vec<usize> = table.slots().collect();
            assert_eq!(table.len(), live.len());
            for from in [0, 1, 100, 250, live.len() - 1] {
                let expected: Vec<usize> = live.iter().skip(from).take(7).copied().collect();
                assert_eq!(table.page(from, 7), expected, "from {from}");
            }
            assert!(table.page(live.len(), 7).is_empty());
        }
    }
}

mod filter {
    use super::ScimError;

    /// One `attribute eq "value"`: `attr` lowercased, without a core schema URN.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Clause {
        pub attr: String,
        pub value: String,
    }

    /// The filters this app evaluates: `attribute eq "string"`, joined by `and`.
    /// Anything else is `invalidFilter`, as a strict app answers what it cannot do.
    pub(super) fn parse(filter: &str) -> Result<Vec<Clause>, ScimError> {
        let invalid = || {
            ScimError::new(
                400,
                Some("invalidFilter"),
                format!(
                    "unsupported filter {filter:?}: only `attribute eq \"value\"` joined by `and`"
                ),
            )
        };
        let mut clauses = Vec::new();
        let mut rest = filter;
        loop {
            let (attr, after) = word(rest);
            let (op, after) = word(after);
            if attr.is_empty() || !op.eq_ignore_ascii_case("eq") {
                return Err(invalid());
            }
            let (value, after) = string_literal(after.trim_start()).ok_or_else(invalid)?;
            clauses.push(Clause {
                attr: attribute_name(attr),
                value,
            });
            let (joiner, after) = word(after);
            if joiner.is_empty() {
                return Ok(clauses);
            }
            if !joiner.eq_ignore_ascii_case("and") {
                return Err(invalid());
            }
            rest = after;
        }
    }

    fn word(text: &str) -> (&str, &str) {
        let text = text.trim_start();
        text.split_at(text.find(char::is_whitespace).unwrap_or(text.len()))
    }

    /// A JSON string literal at the start of `text`, and what follows it.
    fn string_literal(text: &str) -> Option<(String, &str)> {
        let body = text.strip_prefix('"')?;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    let end = i + 2; // both quotes
                    return Some((serde_json::from_str(&text[..end]).ok()?, &text[end..]));
                }
                _ => {}
            }
        }
        None
    }

    fn attribute_name(attr: &str) -> String {
        let lower = attr.to_ascii_lowercase();
        match lower.strip_prefix("urn:ietf:params:scim:schemas:core:2.0:") {
            Some(rest) => rest.split_once(':').map_or(rest, |(_, a)| a).to_owned(),
            None => lower,
        }
    }
}

mod patch {
    use serde_json::{Map, Value};

    use super::{ENTERPRISE_USER, PATCH_SCHEMA, ScimError, get_ci, key_ci, starts_with_ci};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum OpKind {
        Add,
        Replace,
        Remove,
    }

    #[derive(Debug, Clone)]
    pub(super) struct Op {
        pub kind: OpKind,
        pub path: Option<String>,
        pub value: Option<Value>,
    }

    /// The operations of a PatchOp body (RFC 7644 §3.5.2).
    pub(super) fn parse_ops(body: &Map<String, Value>) -> Result<Vec<Op>, ScimError> {
        let is_patch = get_ci(body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|v| {
                    v.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_SCHEMA))
                })
            });
        if !is_patch {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH body must list {PATCH_SCHEMA} in schemas"
            )));
        }
        let Some(Value::Array(ops)) = get_ci(body, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "a PATCH body needs an Operations array",
            ));
        };
        ops.iter().map(parse_op).collect()
    }

    fn parse_op(op: &Value) -> Result<Op, ScimError> {
        let fields = op
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("an operation must be an object"))?;
        let kind = match get_ci(fields, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => OpKind::Add,
            Some("replace") => OpKind::Replace,
            Some("remove") => OpKind::Remove,
            _ => return Err(ScimError::invalid_syntax(format!("unknown operation {op}"))),
        };
        let path = match get_ci(fields, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(path)) => Some(path.clone()),
            Some(other) => return Err(ScimError::invalid_path(&other.to_string())),
        };
        let value = get_ci(fields, "value").cloned();
        if kind == OpKind::Remove && path.is_none() {
            return Err(ScimError::new(
                400,
                Some("noTarget"),
                "a remove needs a path",
            ));
        }
        if kind != OpKind::Remove && value.is_none() {
            return Err(ScimError::invalid_syntax("add and replace need a value"));
        }
        Ok(Op { kind, path, value })
    }

    /// Where an operation or an `attributes` entry points: `attr` or `attr.sub`,
    /// maybe inside an extension (`urn:…:User:department` lives under `urn:…:User`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct AttrPath {
        pub ext: Option<String>,
        pub attr: String,
        pub sub: Option<String>,
    }

    const CORE_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

    /// `resource` tells a whole extension (a key it has) from an attribute inside one.
    pub(super) fn parse_path(
        path: &str,
        resource: &Map<String, Value>,
    ) -> Result<AttrPath, ScimError> {
        let path = path.trim();
        if path.is_empty() || path.contains('[') {
            return Err(ScimError::invalid_path(path));
        }
        if !starts_with_ci(path, "urn:") {
            return Ok(split_sub(None, path));
        }
        if starts_with_ci(path, CORE_PREFIX) {
            // `urn:…:core:2.0:User:userName` is plain `userName`.
            return match path[CORE_PREFIX.len()..].split_once(':') {
                Some((_, attr)) if !attr.is_empty() => Ok(split_sub(None, attr)),
                _ => Err(ScimError::invalid_path(path)),
            };
        }
        if path.eq_ignore_ascii_case(ENTERPRISE_USER) || key_ci(resource, path).is_some() {
            return Ok(AttrPath {
                ext: None,
                attr: path.to_owned(),
                sub: None,
            });
        }
        match path.rsplit_once(':') {
            Some((urn, attr)) if !attr.is_empty() => Ok(split_sub(Some(urn), attr)),
            _ => Err(ScimError::invalid_path(path)),
        }
    }

    fn split_sub(ext: Option<&str>, attr: &str) -> AttrPath {
        let (attr, sub) = match attr.split_once('.') {
            Some((attr, sub)) => (attr, Some(sub.to_owned())),
            None => (attr, None),
        };
        AttrPath {
            ext: ext.map(str::to_owned),
            attr: attr.to_owned(),
            sub,
        }
    }

    /// Applies one operation to a resource's attributes.
    pub(super) fn apply(attrs: &mut Map<String, Value>, op: &Op) -> Result<(), ScimError> {
        if let Some(path) = &op.path {
            let target = parse_path(path, attrs)?;
            apply_at(attrs, op.kind, &target, op.value.as_ref());
            return Ok(());
        }
        let Some(Value::Object(items)) = &op.value else {
            return Err(ScimError::invalid_syntax(
                "an operation without a path needs an object value",
            ));
        };
        for (key, value) in items {
            // An extension's URN with an object value is that whole extension.
            let target = if starts_with_ci(key, "urn:") && value.is_object() {
                AttrPath {
                    ext: None,
                    attr: key.clone(),
                    sub: None,
                }
            } else {
                parse_path(key, attrs)?
            };
            apply_at(attrs, op.kind, &target, Some(value));
        }
        Ok(())
    }

    /// `add` appends to multi-valued and merges into complex attributes, `replace`
    /// merges complex ones and sets the rest, `remove` (or a null value) drops.
    pub(super) fn apply_at(
        attrs: &mut Map<String, Value>,
        kind: OpKind,
        path: &AttrPath,
        value: Option<&Value>,
    ) {
        let value = value.filter(|v| kind != OpKind::Remove && !v.is_null());
        let add = kind == OpKind::Add;
        let Some(urn) = &path.ext else {
            return apply_in(attrs, path, value, add);
        };
        let key = key_ci(attrs, urn).unwrap_or_else(|| urn.clone());
        if value.is_none() {
            if let Some(Value::Object(ext)) = attrs.get_mut(&key) {
                apply_in(ext, path, None, add);
                if ext.is_empty() {
                    attrs.remove(&key);
                }
            }
            return;
        }
        let ext = attrs.entry(key).or_insert(Value::Null);
        if !ext.is_object() {
            *ext = Value::Object(Map::new());
        }
        if let Value::Object(ext) = ext {
            apply_in(ext, path, value, add);
        }
    }

    fn apply_in(
        container: &mut Map<String, Value>,
        path: &AttrPath,
        value: Option<&Value>,
        add: bool,
    ) {
        match value {
            Some(value) => set(container, path, value, add),
            None => remove(container, path),
        }
    }

    fn set(container: &mut Map<String, Value>, path: &AttrPath, value: &Value, add: bool) {
        let key = key_ci(container, &path.attr).unwrap_or_else(|| path.attr.clone());
        let slot = container.entry(key).or_insert(Value::Null);
        if let Some(sub) = &path.sub {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(parent) = slot {
                let key = key_ci(parent, sub).unwrap_or_else(|| sub.clone());
                parent.insert(key, value.clone());
            }
            return;
        }
        match (slot, value) {
            (Value::Array(existing), Value::Array(new)) if add => {
                for item in new {
                    if !existing.contains(item) {
                        existing.push(item.clone());
                    }
                }
            }
            (Value::Array(existing), item) if add => {
                if !existing.contains(item) {
                    existing.push(item.clone());
                }
            }
            (Value::Object(existing), Value::Object(new)) => {
                for (k, v) in new {
                    let k = key_ci(existing, k).unwrap_or_else(|| k.clone());
                    if v.is_null() {
                        existing.remove(&k);
                    } else {
                        existing.insert(k, v.clone());
                    }
                }
            }
            (slot, value) => *slot = value.clone(),
        }
    }

    fn remove(container: &mut Map<String, Value>, path: &AttrPath) {
        let Some(key) = key_ci(container, &path.attr) else {
            return;
        };
        let Some(sub) = &path.sub else {
            container.remove(&key);
            return;
        };
        if let Some(Value::Object(parent)) = container.get_mut(&key) {
            if let Some(k) = key_ci(parent, sub) {
                parent.remove(&k);
            }
            if parent.is_empty() {
                container.remove(&key);
            }
        }
    }

    fn get_at<'a>(resource: &'a Map<String, Value>, path: &AttrPath) -> Option<&'a Value> {
        let container = match &path.ext {
            Some(urn) => get_ci(resource, urn)?.as_object()?,
            None => resource,
        };
        let value = get_ci(container, &path.attr)?;
        match &path.sub {
            Some(sub) => get_ci(value.as_object()?, sub),
            None => Some(value),
        }
    }

    /// `attributes` / `excludedAttributes` of a read (RFC 7644 §3.4.2.5); `id` and
    /// `schemas` are always returned.
    #[derive(Debug, Clone, Default)]
    pub(super) struct Projection {
        pub attributes: Vec<String>,
        pub excluded: Vec<String>,
    }

    const ALWAYS: [&str; 2] = ["id", "schemas"];

    impl Projection {
        /// Whether a top-level attribute is returned (so it need not be built).
        pub(super) fn returns(&self, attr: &str) -> bool {
            let named =
                |a: &String| a.eq_ignore_ascii_case(attr) || starts_with_ci(a, &format!("{attr}."));
            !self.excluded.iter().any(|a| a.eq_ignore_ascii_case(attr))
                && (self.attributes.is_empty() || self.attributes.iter().any(named))
        }

        pub(super) fn apply(&self, mut resource: Map<String, Value>) -> Map<String, Value> {
            if !self.attributes.is_empty() {
                let mut kept: Map<String, Value> = ALWAYS
                    .iter()
                    .filter_map(|k| Some((k.to_string(), resource.get(*k)?.clone())))
                    .collect();
                for attribute in &self.attributes {
                    let Ok(path) = parse_path(attribute, &resource) else {
                        continue;
                    };
                    if let Some(value) = get_at(&resource, &path) {
                        apply_at(&mut kept, OpKind::Replace, &path, Some(value));
                    }
                }
                resource = kept;
            }
            for attribute in &self.excluded {
                let Ok(path) = parse_path(attribute, &resource) else {
                    continue;
                };
                if path.ext.is_some() || !ALWAYS.iter().any(|k| path.attr.eq_ignore_ascii_case(k)) {
                    apply_at(&mut resource, OpKind::Remove, &path, None);
                }
            }
            resource
        }
    }
}

mod store {
    use std::collections::{BTreeSet, HashMap};

    use serde_json::{Map, Value, json};
    use uuid::Uuid;

    use super::{
        Ctx, DEFAULT_COUNT, Kind, Quirk, Quirks, ScimError,
        filter::{self, Clause},
        get_ci, list_response, now,
        patch::{self, Op, OpKind, Projection},
        starts_with_ci,
        table::{Selection, Table},
        take_ci, text,
    };

    pub(super) struct Row {
        id: String,
        version: u64,
        created: String,
        modified: String,
        attrs: Map<String, Value>,
    }

    impl Row {
        fn new(id: String, attrs: Map<String, Value>) -> Self {
            let created = now();
            Self {
                id,
                version: 1,
                modified: created.clone(),
                created,
                attrs,
            }
        }

        /// Swaps in new attributes as the next version; returns the old ones.
        fn replace(&mut self, attrs: Map<String, Value>) -> Map<String, Value> {
            self.version += 1;
            self.modified = now();
            std::mem::replace(&mut self.attrs, attrs)
        }

        fn etag(&self) -> String {
            format!("W/\"{}\"", self.version)
        }

        fn meta(&self, ctx: &Ctx, kind: Kind) -> Value {
            json!({
                "resourceType": kind.name(),
                "created": self.created,
                "lastModified": self.modified,
                "location": kind.location(ctx.base, &self.id),
                "version": self.etag(),
            })
        }

        fn check_if_match(&self, if_match: Option<&str>) -> Result<(), ScimError> {
            let Some(header) = if_match else {
                return Ok(());
            };
            let current = self.etag();
            let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
            if header
                .split(',')
                .any(|tag| tag.trim() == "*" || bare(tag) == bare(&current))
            {
                Ok(())
            } else {
                Err(ScimError::new(
                    412,
                    None,
                    format!("the resource is at version {current}, not {header}"),
                ))
            }
        }
    }

    pub(super) struct Group {
        row: Row,
        /// User slots, so members list in the users' creation order.
        members: BTreeSet<usize>,
    }

    enum MemberChange {
        Add(Vec<usize>),
        Remove(Vec<usize>),
        Set(Vec<usize>),
    }

    /// A write's answer: the resource as a GET would return it, and its ETag.
    pub(super) struct Written {
        pub body: Value,
        pub etag: String,
        pub location: String,
    }

    /// A listing's parameters (RFC 7644 §3.4.2); `start_index` is at least 1.
    pub(super) struct ListQuery {
        pub filter: Option<String>,
        pub start_index: usize,
        pub count: Option<usize>,
        pub projection: Projection,
    }

    /// O(1) lookups at 100,000 rows: the name attribute (userName / displayName,
    /// unique ignoring case) and externalId (case-exact, not unique).
    struct Index {
        name_attr: &'static str,
        names: HashMap<String, usize>,
        external_ids: HashMap<String, BTreeSet<usize>>,
    }

    impl Index {
        fn new(kind: Kind) -> Self {
            Self {
                name_attr: kind.name_attribute(),
                names: HashMap::new(),
                external_ids: HashMap::new(),
            }
        }

        fn add(&mut self, slot: usize, attrs: &Map<String, Value>) {
            if let Some(name) = text(attrs, self.name_attr) {
                self.names.insert(name.to_lowercase(), slot);
            }
            if let Some(external_id) = text(attrs, "externalId") {
                self.external_ids
                    .entry(external_id.to_owned())
                    .or_default()
                    .insert(slot);
            }
        }

        fn remove(&mut self, slot: usize, attrs: &Map<String, Value>) {
            if let Some(name) = text(attrs, self.name_attr).map(str::to_lowercase)
                && self.names.get(&name) == Some(&slot)
            {
                self.names.remove(&name);
            }
            if let Some(external_id) = text(attrs, "externalId")
                && let Some(slots) = self.external_ids.get_mut(external_id)
            {
                slots.remove(&slot);
                if slots.is_empty() {
                    self.external_ids.remove(external_id);
                }
            }
        }

        /// Refuses a name another row holds, in any case.
        fn check_free(
            &self,
            attrs: &Map<String, Value>,
            own: Option<usize>,
        ) -> Result<(), ScimError> {
            let name = text(attrs, self.name_attr).unwrap_or_default();
            match self.names.get(&name.to_lowercase()) {
                Some(holder) if Some(*holder) != own => Err(ScimError::new(
                    409,
                    Some("uniqueness"),
                    format!("{} {name:?} is taken", self.name_attr),
                )),
                _ => Ok(()),
            }
        }

        fn by_name(&self, name: &str) -> Option<usize> {
            self.names.get(&name.to_lowercase()).copied()
        }

        fn by_external_id(&self, external_id: &str) -> Vec<usize> {
            self.external_ids
                .get(external_id)
                .map(|slots| slots.iter().copied().collect())
                .unwrap_or_default()
        }
    }

    pub(super) struct Store {
        users: Table<Row>,
        groups: Table<Group>,
        user_index: Index,
        group_index: Index,
        /// Each user slot's group slots, for the read-only `User.groups`.
        groups_of: HashMap<usize, BTreeSet<usize>>,
        /// Every member PATCH `add`/`remove` seen, and whether it changed anything.
        pub(super) member_writes: super::MemberWrites,
    }

    impl Default for Store {
        fn default() -> Self {
            Self {
                users: Table::default(),
                groups: Table::default(),
                user_index: Index::new(Kind::User),
                group_index: Index::new(Kind::Group),
                groups_of: HashMap::new(),
                member_writes: super::MemberWrites::default(),
            }
        }
    }

    /// Read-only attributes a client may send back; they are ignored.
    const READ_ONLY: [&str; 3] = ["id", "meta", "groups"];

    /// Checks and normalises what a write would store.
    fn clean(kind: Kind, attrs: &mut Map<String, Value>, quirks: Quirks) -> Result<(), ScimError> {
        attrs.retain(|key, _| !READ_ONLY.iter().any(|r| key.eq_ignore_ascii_case(r)));
        if quirks.has(Quirk::DropExternalId) {
            attrs.retain(|key, _| !key.eq_ignore_ascii_case("externalId"));
        }
        let name = kind.name_attribute();
        if text(attrs, name).is_none_or(|n| n.trim().is_empty()) {
            return Err(ScimError::invalid_value(format!(
                "{name} must be a non-empty string"
            )));
        }
        // `schemas` lists the core schema and every extension the resource carries.
        let mut schemas = vec![Value::from(kind.schema())];
        schemas.extend(
            attrs
                .iter()
                .filter(|(key, value)| starts_with_ci(key, "urn:") && value.is_object())
                .map(|(key, _)| Value::from(key.clone())),
        );
        attrs.retain(|key, _| !key.eq_ignore_ascii_case("schemas"));
        attrs.insert("schemas".into(), schemas.into());
        Ok(())
    }

    fn unlink(groups_of: &mut HashMap<usize, BTreeSet<usize>>, user: usize, group: usize) {
        if let Some(groups) = groups_of.get_mut(&user) {
            groups.remove(&group);
            if groups.is_empty() {
                groups_of.remove(&user);
            }
        }
    }

    // --- the operations the API offers, for both kinds ---
    impl Store {
        fn row(&self, kind: Kind, slot: usize) -> Option<&Row> {
            match kind {
                Kind::User => self.users.get(slot),
                Kind::Group => self.groups.get(slot).map(|g| &g.row),
            }
        }

        fn slot(&self, kind: Kind, id: &str) -> Result<usize, ScimError> {
            match kind {
                Kind::User => self.users.slot(id),
                Kind::Group => self.groups.slot(id),
            }
            .ok_or_else(|| ScimError::not_found(kind, id))
        }

        /// The row at `id`, if `If-Match` (when sent) names its version.
        fn matched(
            &self,
            kind: Kind,
            id: &str,
            if_match: Option<&str>,
        ) -> Result<(usize, &Row), ScimError> {
            let slot = self.slot(kind, id)?;
            let row = self
                .row(kind, slot)
                .ok_or_else(|| ScimError::not_found(kind, id))?;
            row.check_if_match(if_match)?;
            Ok((slot, row))
        }

        /// Adds a resource as a POST would; returns its id.
        pub(super) fn insert(
            &mut self,
            ctx: &Ctx,
            kind: Kind,
            attrs: Map<String, Value>,
        ) -> Result<String, ScimError> {
            let slot = match kind {
                Kind::User => self.insert_user(ctx, attrs)?,
                Kind::Group => self.insert_group(ctx, attrs)?,
            };
            Ok(self
                .row(kind, slot)
                .map(|row| row.id.clone())
                .unwrap_or_default())
        }

        pub(super) fn create(
            &mut self,
            ctx: &Ctx,
            kind: Kind,
            attrs: Map<String, Value>,
        ) -> Result<Written, ScimError> {
            let id = self.insert(ctx, kind, attrs)?;
            self.read(ctx, kind, &id, &Projection::default())
        }

        pub(super) fn read(
            &self,
            ctx: &Ctx,
            kind: Kind,
            id: &str,
            projection: &Projection,
        ) -> Result<Written, ScimError> {
            let (slot, row) = self.matched(kind, id, None)?;
            let body = self
                .render(ctx, kind, slot, projection)
                .ok_or_else(|| ScimError::not_found(kind, id))?;
            Ok(Written {
                body,
                etag: row.etag(),
                location: kind.location(ctx.base, id),
            })
        }

        pub(super) fn get(&self, ctx: &Ctx, kind: Kind, id: &str) -> Option<Value> {
            self.read(ctx, kind, id, &Projection::default())
                .ok()
                .map(|w| w.body)
        }

        pub(super) fn all(&self, ctx: &Ctx, kind: Kind) -> Vec<Value> {
            let projection = Projection::default();
            let slots: Vec<usize> = match kind {
                Kind::User => self.users.slots().collect(),
                Kind::Group => self.groups.slots().collect(),
            };
            slots
                .into_iter()
                .filter_map(|s| self.render(ctx, kind, s, &projection))
                .collect()
        }

        pub(super) fn replace(
            &mut self,
            ctx: &Ctx,
            kind: Kind,
            id: &str,
            mut attrs: Map<String, Value>,
            if_match: Option<&str>,
        ) -> Result<Written, ScimError> {
            let (slot, _) = self.matched(kind, id, if_match)?;
            match kind {
                Kind::User => self.update_user(ctx, slot, attrs)?,
                Kind::Group => {
                    let members = match take_ci(&mut attrs, "members") {
                        Some(members) => self.member_slots(ctx, &members)?,
                        None => Vec::new(),
                    };
                    self.update_group(ctx, slot, attrs, vec![MemberChange::Set(members)])?
                }
            }
            self.read(ctx, kind, id, &Projection::default())
        }

        pub(super) fn patch(
            &mut self,
            ctx: &Ctx,
            kind: Kind,
            id: &str,
            ops: Vec<Op>,
            if_match: Option<&str>,
        ) -> Result<Written, ScimError> {
            let (slot, row) = self.matched(kind, id, if_match)?;
            let mut attrs = row.attrs.clone();
            match kind {
                Kind::User => {
                    for op in &ops {
                        patch::apply(&mut attrs, op)?;
                    }
                    self.update_user(ctx, slot, attrs)?;
                }
                Kind::Group => {
                    let mut changes = Vec::new();
                    for op in ops {
                        let (change, rest) = self.split_member_op(ctx, op)?;
                        changes.extend(change);
                        if let Some(op) = rest {
                            patch::apply(&mut attrs, &op)?;
                        }
                    }
                    self.update_group(ctx, slot, attrs, changes)?;
                }
            }
            self.read(ctx, kind, id, &Projection::default())
        }

        pub(super) fn delete(
            &mut self,
            kind: Kind,
            id: &str,
            if_match: Option<&str>,
        ) -> Result<(), ScimError> {
            self.matched(kind, id, if_match)?;
            match kind {
                Kind::User => {
                    let Some((slot, row)) = self.users.remove(id) else {
                        return Ok(());
                    };
                    self.user_index.remove(slot, &row.attrs);
                    for group in self.groups_of.remove(&slot).unwrap_or_default() {
                        if let Some(group) = self.groups.get_mut(group) {
                            group.members.remove(&slot);
                        }
                    }
                }
                Kind::Group => {
                    let Some((slot, group)) = self.groups.remove(id) else {
                        return Ok(());
                    };
                    self.group_index.remove(slot, &group.row.attrs);
                    for user in group.members {
                        unlink(&mut self.groups_of, user, slot);
                    }
                }
            }
            Ok(())
        }

        pub(super) fn list(
            &self,
            ctx: &Ctx,
            kind: Kind,
            query: &ListQuery,
        ) -> Result<Value, ScimError> {
            let selection = match &query.filter {
                Some(f) if !ctx.quirks.has(Quirk::IgnoreFilter) => {
                    Selection::Only(self.select(ctx, kind, &filter::parse(f)?)?)
                }
                _ => Selection::All,
            };
            let (total, slots) = match kind {
                Kind::User => paginate(&self.users, &selection, ctx, query),
                Kind::Group => paginate(&self.groups, &selection, ctx, query),
            };
            let resources = slots
                .into_iter()
                .filter_map(|slot| self.render(ctx, kind, slot, &query.projection))
                .collect();
            Ok(list_response(total, query.start_index, resources))
        }

        /// The sorted slots every clause matches.
        fn select(
            &self,
            ctx: &Ctx,
            kind: Kind,
            clauses: &[Clause],
        ) -> Result<Vec<usize>, ScimError> {
            let mut selected: Option<Vec<usize>> = None;
            for clause in clauses {
                let found = self.lookup(ctx, kind, clause)?;
                selected = Some(match selected {
                    None => found,
                    Some(before) => before
                        .into_iter()
                        .filter(|s| found.binary_search(s).is_ok())
                        .collect(),
                });
            }
            Ok(selected.unwrap_or_default())
        }

        fn lookup(&self, ctx: &Ctx, kind: Kind, clause: &Clause) -> Result<Vec<usize>, ScimError> {
            let index = match kind {
                Kind::User => &self.user_index,
                Kind::Group => &self.group_index,
            };
            let name_attr = kind.name_attribute();
            Ok(match clause.attr.as_str() {
                "id" => self.slot(kind, &clause.value).ok().into_iter().collect(),
                "externalid" => index.by_external_id(&clause.value),
                attr if attr.eq_ignore_ascii_case(name_attr) => {
                    let exact = kind == Kind::User && ctx.quirks.has(Quirk::CaseSensitiveFilter);
                    let named = |slot: &usize| {
                        !exact
                            || self
                                .row(kind, *slot)
                                .and_then(|r| text(&r.attrs, name_attr))
                                == Some(clause.value.as_str())
                    };
                    index
                        .by_name(&clause.value)
                        .filter(named)
                        .into_iter()
                        .collect()
                }
                _ => {
                    return Err(ScimError::new(
                        400,
                        Some("invalidFilter"),
                        format!("cannot filter {}s by {:?}", kind.name(), clause.attr),
                    ));
                }
            })
        }

        fn render(
            &self,
            ctx: &Ctx,
            kind: Kind,
            slot: usize,
            projection: &Projection,
        ) -> Option<Value> {
            let row = self.row(kind, slot)?;
            let mut out = row.attrs.clone();
            out.insert("id".into(), row.id.clone().into());
            let derived = match kind {
                Kind::User => ("groups", self.groups_of_user(ctx, slot)),
                Kind::Group if projection.returns("members") => {
                    ("members", self.members(ctx, slot))
                }
                Kind::Group => ("members", Vec::new()),
            };
            if !derived.1.is_empty() {
                out.insert(derived.0.into(), derived.1.into());
            }
            out.insert("meta".into(), row.meta(ctx, kind));
            Some(Value::Object(projection.apply(out)))
        }

        fn groups_of_user(&self, ctx: &Ctx, slot: usize) -> Vec<Value> {
            if ctx.quirks.has(Quirk::NoGroups) {
                return Vec::new();
            }
            let groups = self.groups_of.get(&slot).into_iter().flatten();
            groups
                .filter_map(|g| self.groups.get(*g))
                .map(|g| {
                    json!({
                        "value": g.row.id,
                        "display": text(&g.row.attrs, "displayName"),
                        "$ref": Kind::Group.location(ctx.base, &g.row.id),
                    })
                })
                .collect()
        }

        fn members(&self, ctx: &Ctx, slot: usize) -> Vec<Value> {
            let members = self
                .groups
                .get(slot)
                .map(|g| &g.members)
                .into_iter()
                .flatten();
            members
                .filter_map(|m| self.users.get(*m))
                .map(|user| {
                    let name = text(&user.attrs, "userName").unwrap_or_default();
                    let value = if ctx.quirks.has(Quirk::MembersByUsername) {
                        name
                    } else {
                        &user.id
                    };
                    json!({
                        "value": value,
                        "display": text(&user.attrs, "displayName").unwrap_or(name),
                        "$ref": Kind::User.location(ctx.base, &user.id),
                        "type": "User",
                    })
                })
                .collect()
        }
    }

    /// Total and page of a listing. Without `count`, the `count-500` app returns
    /// everything from `startIndex` (its real model had no page limit either).
    fn paginate<T>(
        table: &Table<T>,
        selection: &Selection,
        ctx: &Ctx,
        query: &ListQuery,
    ) -> (usize, Vec<usize>) {
        let total = selection.total(table);
        let count = match query.count {
            Some(count) => count.min(ctx.max_page),
            None if ctx.quirks.has(Quirk::Count500) => usize::MAX,
            None => DEFAULT_COUNT.min(ctx.max_page),
        };
        let from = query.start_index - 1;
        let from = if from >= total && total > 0 && ctx.quirks.has(Quirk::RepeatFirstPage) {
            0
        } else {
            from
        };
        (total, selection.page(table, from, count))
    }

    // --- users ---
    impl Store {
        fn insert_user(
            &mut self,
            ctx: &Ctx,
            mut attrs: Map<String, Value>,
        ) -> Result<usize, ScimError> {
            clean(Kind::User, &mut attrs, ctx.quirks)?;
            self.user_index.check_free(&attrs, None)?;
            let id = Uuid::new_v4().to_string();
            self.user_index.add(self.users.next_slot(), &attrs);
            Ok(self.users.push(id.clone(), Row::new(id, attrs)))
        }

        fn update_user(
            &mut self,
            ctx: &Ctx,
            slot: usize,
            mut attrs: Map<String, Value>,
        ) -> Result<(), ScimError> {
            clean(Kind::User, &mut attrs, ctx.quirks)?;
            self.user_index.check_free(&attrs, Some(slot))?;
            if let Some(row) = self.users.get_mut(slot) {
                let old = row.replace(attrs);
                self.user_index.remove(slot, &old);
                self.user_index.add(slot, &row.attrs);
            }
            Ok(())
        }
    }

    // --- groups and their members ---
    impl Store {
        fn insert_group(
            &mut self,
            ctx: &Ctx,
            mut attrs: Map<String, Value>,
        ) -> Result<usize, ScimError> {
            let members = match take_ci(&mut attrs, "members") {
                Some(members) => self.member_slots(ctx, &members)?,
                None => Vec::new(),
            };
            clean(Kind::Group, &mut attrs, ctx.quirks)?;
            self.group_index.check_free(&attrs, None)?;
            let id = Uuid::new_v4().to_string();
            self.group_index.add(self.groups.next_slot(), &attrs);
            let group = Group {
                row: Row::new(id.clone(), attrs),
                members: BTreeSet::new(),
            };
            let slot = self.groups.push(id, group);
            self.change_members(slot, MemberChange::Add(members));
            Ok(slot)
        }

        fn update_group(
            &mut self,
            ctx: &Ctx,
            slot: usize,
            mut attrs: Map<String, Value>,
            changes: Vec<MemberChange>,
        ) -> Result<(), ScimError> {
            clean(Kind::Group, &mut attrs, ctx.quirks)?;
            self.group_index.check_free(&attrs, Some(slot))?;
            if let Some(group) = self.groups.get_mut(slot) {
                let old = group.row.replace(attrs);
                self.group_index.remove(slot, &old);
                self.group_index.add(slot, &group.row.attrs);
            }
            for change in changes {
                self.change_members(slot, change);
            }
            Ok(())
        }

        /// Splits a group operation into its change of `members` and the rest.
        fn split_member_op(
            &self,
            ctx: &Ctx,
            op: Op,
        ) -> Result<(Option<MemberChange>, Option<Op>), ScimError> {
            let path = op.path.as_deref().map(str::trim);
            match path {
                Some(path) if path.eq_ignore_ascii_case("members") => Ok((
                    Some(self.member_change(ctx, op.kind, op.value.as_ref())?),
                    None,
                )),
                Some(path) if starts_with_ci(path, "members[") => {
                    Ok((Some(self.member_filter(op.kind, path)?), None))
                }
                Some(_) => Ok((None, Some(op))),
                None => {
                    let Some(Value::Object(mut rest)) = op.value else {
                        return Ok((None, Some(op)));
                    };
                    let change = match take_ci(&mut rest, "members") {
                        Some(members) => Some(self.member_change(ctx, op.kind, Some(&members))?),
                        None => None,
                    };
                    let rest = (!rest.is_empty()).then_some(Op {
                        kind: op.kind,
                        path: None,
                        value: Some(Value::Object(rest)),
                    });
                    Ok((change, rest))
                }
            }
        }

        /// `add` and `replace` check every member; a `remove` with a value list (as
        /// some clients send) removes those, without one it removes everyone.
        fn member_change(
            &self,
            ctx: &Ctx,
            kind: OpKind,
            value: Option<&Value>,
        ) -> Result<MemberChange, ScimError> {
            let value = value.unwrap_or(&Value::Null);
            Ok(match kind {
                OpKind::Add => MemberChange::Add(self.member_slots(ctx, value)?),
                OpKind::Replace => MemberChange::Set(self.member_slots(ctx, value)?),
                OpKind::Remove if value.is_null() => MemberChange::Set(Vec::new()),
                OpKind::Remove => {
                    let ids = member_items(value)?
                        .into_iter()
                        .filter_map(|m| get_ci(m, "value")?.as_str());
                    MemberChange::Remove(ids.filter_map(|id| self.users.slot(id)).collect())
                }
            })
        }

        /// `remove` with `members[value eq "ID"]`; an id that is no member is a no-op.
        fn member_filter(&self, kind: OpKind, path: &str) -> Result<MemberChange, ScimError> {
            let inner = path["members[".len()..].strip_suffix(']');
            let clauses = match inner {
                Some(inner) if kind == OpKind::Remove => filter::parse(inner)?,
                _ => return Err(ScimError::invalid_path(path)),
            };
            match clauses.as_slice() {
                [clause] if clause.attr == "value" => Ok(MemberChange::Remove(
                    self.users.slot(&clause.value).into_iter().collect(),
                )),
                _ => Err(ScimError::invalid_path(path)),
            }
        }

        /// The user slots of members to add: each must name a user (and carry a
        /// `$ref` under `require-member-ref`).
        fn member_slots(&self, ctx: &Ctx, members: &Value) -> Result<Vec<usize>, ScimError> {
            let check = |member: &Map<String, Value>| {
                let id = text(member, "value")
                    .ok_or_else(|| ScimError::invalid_value("a member needs a string value"))?;
                if ctx.quirks.has(Quirk::RequireMemberRef) && get_ci(member, "$ref").is_none() {
                    return Err(ScimError::invalid_value(format!(
                        "member {id:?} has no $ref"
                    )));
                }
                self.users
                    .slot(id)
                    .ok_or_else(|| ScimError::invalid_value(format!("no user has the id {id:?}")))
            };
            member_items(members)?.into_iter().map(check).collect()
        }

        fn change_members(&mut self, slot: usize, change: MemberChange) {
            let Some(group) = self.groups.get_mut(slot) else {
                return;
            };
            let counted = !matches!(change, MemberChange::Set(_));
            let (add, remove) = match change {
                MemberChange::Add(add) => (add, Vec::new()),
                MemberChange::Remove(remove) => (Vec::new(), remove),
                MemberChange::Set(members) => {
                    let keep: BTreeSet<usize> = members.iter().copied().collect();
                    (members, group.members.difference(&keep).copied().collect())
                }
            };
            let writes = &mut self.member_writes;
            for user in remove {
                if group.members.remove(&user) {
                    unlink(&mut self.groups_of, user, slot);
                    writes.removed += usize::from(counted);
                } else {
                    writes.removed_again += usize::from(counted);
                }
            }
            for user in add {
                if group.members.insert(user) {
                    self.groups_of.entry(user).or_default().insert(slot);
                    writes.added += usize::from(counted);
                } else {
                    writes.added_again += usize::from(counted);
                }
            }
        }
    }

    fn member_items(value: &Value) -> Result<Vec<&Map<String, Value>>, ScimError> {
        let not_members =
            || ScimError::invalid_value("members must be a list of {\"value\": id} objects");
        match value {
            Value::Array(items) => items
                .iter()
                .map(|m| m.as_object().ok_or_else(not_members))
                .collect(),
            Value::Object(member) => Ok(vec![member]),
            Value::Null => Ok(Vec::new()),
            _ => Err(not_members()),
        }
    }
}

mod http {
    use std::sync::Arc;

    use axum::{
        Router,
        body::Bytes,
        extract::{Path, RawQuery, Request, State},
        http::{HeaderMap, HeaderValue, Method, StatusCode, header},
        middleware::{self, Next},
        response::{IntoResponse, Response},
        routing::{get, post},
    };
    use serde_json::{Map, Value, json};

    use super::{
        Ctx, ENTERPRISE_USER, ERROR_SCHEMA, GROUP_SCHEMA, Kind, Quirk, RequestRecord, ScimError,
        Shared, USER_SCHEMA, get_ci, list_response,
        patch::{self, Projection},
        store::{ListQuery, Store, Written},
    };

    type App = State<Arc<Shared>>;
    type Reply = Result<Response, ScimError>;

    const SCIM_JSON: &str = "application/scim+json";

    pub(super) fn router(shared: Arc<Shared>) -> Router {
        let scim = Router::new()
            .route("/ServiceProviderConfig", get(service_provider_config))
            .route("/ResourceTypes", get(resource_types))
            .route("/Schemas", get(schemas))
            .route("/Bulk", post(bulk))
            .merge(resources(Kind::User))
            .merge(resources(Kind::Group));
        let routes = if shared.prefix.is_empty() {
            scim
        } else {
            Router::new().nest(&shared.prefix, scim)
        };
        routes
            .fallback(not_found)
            .layer(middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared)
    }

    fn resources(kind: Kind) -> Router<Arc<Shared>> {
        let item = format!("{}/{{id}}", kind.endpoint());
        Router::new()
            .route(
                kind.endpoint(),
                get(move |app: App, query: RawQuery| list(kind, app, query))
                    .post(move |app: App, body: Bytes| create(kind, app, body)),
            )
            .route(
                &item,
                get(move |app: App, id: Path<String>, query: RawQuery| read(kind, app, id, query))
                    .put(
                        move |app: App, id: Path<String>, headers: HeaderMap, body: Bytes| {
                            update(kind, app, id, headers, body)
                        },
                    )
                    .patch(
                        move |app: App,
                              id: Path<String>,
                              query: RawQuery,
                              headers: HeaderMap,
                              body: Bytes| {
                            patch(kind, app, id, query, headers, body)
                        },
                    )
                    .delete(move |app: App, id: Path<String>, headers: HeaderMap| {
                        delete(kind, app, id, headers)
                    }),
            )
    }

    /// Records every request and answers what the app refuses before any handler:
    /// a missing token, and the quirks that concern whole requests.
    async fn gate(State(app): App, request: Request, next: Next) -> Response {
        let method = request.method().clone();
        let full = request.uri().path().to_owned();
        let path = full
            .strip_prefix(app.prefix.as_str())
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .unwrap_or(&full)
            .to_owned();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let mut response = match refusal(&app, &method, &path, &query, request.headers()) {
            Some(refused) => refused,
            None => next.run(request).await,
        };
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            response =
                ScimError::new(405, None, format!("{method} is not allowed here")).into_response();
        }
        if app.log_requests {
            // The shape of an access log line, for benchmarks that count calls.
            let status = response.status().as_u16();
            println!("\"{method} {full} HTTP/1.1\" {status}");
        }
        app.requests().push(RequestRecord {
            method: method.to_string(),
            path,
            query,
            status: response.status().as_u16(),
        });
        response
    }

    fn refusal(
        app: &Shared,
        method: &Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
    ) -> Option<Response> {
        if !authorized(app, headers) {
            let mut response =
                ScimError::new(401, None, "a valid bearer token is required").into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Some(response);
        }
        let quirks = app.quirks();
        let has_count = form_urlencoded::parse(query.as_bytes())
            .any(|(key, _)| key.eq_ignore_ascii_case("count"));
        if quirks.has(Quirk::Count500) && has_count {
            let page = "<html><body><h1>500 Internal Server Error</h1></body></html>";
            let html = [(header::CONTENT_TYPE, "text/html; charset=utf-8")];
            return Some((StatusCode::INTERNAL_SERVER_ERROR, html, page).into_response());
        }
        if quirks.has(Quirk::NoGroups) && (path == "/Groups" || path.starts_with("/Groups/")) {
            return Some(not_found_error());
        }
        if quirks.has(Quirk::NoPatch) && method == Method::PATCH {
            return Some(ScimError::new(501, None, "PATCH is not supported").into_response());
        }
        let has_attributes = form_urlencoded::parse(query.as_bytes())
            .any(|(key, _)| key.eq_ignore_ascii_case("attributes"));
        if quirks.has(Quirk::PatchRefusesAttributes) && has_attributes && method == Method::PATCH {
            let refused = ScimError::invalid_syntax("attributes is not supported on PATCH");
            return Some(refused.into_response());
        }
        None
    }

    fn authorized(app: &Shared, headers: &HeaderMap) -> bool {
        let Some(token) = &app.token else {
            return true;
        };
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .is_some_and(|(scheme, given)| {
                scheme.eq_ignore_ascii_case("bearer") && given.trim() == token
            })
    }

    async fn not_found() -> Response {
        not_found_error()
    }

    fn not_found_error() -> Response {
        ScimError::new(404, None, "no such endpoint").into_response()
    }

    async fn list(kind: Kind, State(app): App, RawQuery(query): RawQuery) -> Reply {
        let query = list_query(query.as_deref())?;
        let body = app.store().list(&app.ctx(), kind, &query)?;
        Ok(scim_json(StatusCode::OK, &body))
    }

    /// `POST /Bulk` with `POST` operations only (creates), for seeding large
    /// apps quickly; each operation answers on its own, as RFC 7644 §3.7 says.
    async fn bulk(State(app): App, body: Bytes) -> Reply {
        let request = object(&body)?;
        let Some(Value::Array(operations)) = get_ci(&request, "Operations") else {
            return Err(ScimError::invalid_syntax("Operations must be an array"));
        };
        let ctx = app.ctx();
        let mut store = app.store();
        let results: Vec<Value> = operations
            .iter()
            .map(|operation| {
                let bulk_id = operation.get("bulkId").cloned().unwrap_or(Value::Null);
                match bulk_create(&mut store, &ctx, operation) {
                    Ok(location) => json!({"method": "POST", "bulkId": bulk_id, "location": location, "status": "201"}),
                    Err(error) => json!({"method": "POST", "bulkId": bulk_id, "status": error.status.to_string()}),
                }
            })
            .collect();
        let schema = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
        Ok(scim_json(
            StatusCode::OK,
            &json!({"schemas": [schema], "Operations": results}),
        ))
    }

    /// One bulk operation: a `POST` of a user or group; its `Location`.
    fn bulk_create(store: &mut Store, ctx: &Ctx, operation: &Value) -> Result<String, ScimError> {
        let kind = match operation.get("path").and_then(Value::as_str) {
            Some("/Users") => Kind::User,
            Some("/Groups") => Kind::Group,
            _ => return Err(ScimError::invalid_path("path")),
        };
        match (
            operation.get("method").and_then(Value::as_str),
            operation.get("data"),
        ) {
            (Some("POST"), Some(Value::Object(data))) => {
                Ok(store.create(ctx, kind, data.clone())?.location)
            }
            _ => Err(ScimError::invalid_syntax(
                "only POST with a `data` object is supported",
            )),
        }
    }

    async fn create(kind: Kind, State(app): App, body: Bytes) -> Reply {
        let written = app.store().create(&app.ctx(), kind, object(&body)?)?;
        Ok(respond(StatusCode::CREATED, written, true))
    }

    async fn read(
        kind: Kind,
        State(app): App,
        Path(id): Path<String>,
        RawQuery(query): RawQuery,
    ) -> Reply {
        let projection = list_query(query.as_deref())?.projection;
        let written = app.store().read(&app.ctx(), kind, &id, &projection)?;
        Ok(respond(StatusCode::OK, written, false))
    }

    /// PUT of one resource.
    async fn update(
        kind: Kind,
        State(app): App,
        Path(id): Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Reply {
        let (body, if_match, ctx) = (object(&body)?, if_match(&headers), app.ctx());
        let written = app.store().replace(&ctx, kind, &id, body, if_match)?;
        Ok(respond(StatusCode::OK, written, false))
    }

    /// PATCH of one resource; the answer is cut to `attributes`/`excludedAttributes`.
    async fn patch(
        kind: Kind,
        State(app): App,
        Path(id): Path<String>,
        RawQuery(query): RawQuery,
        headers: HeaderMap,
        body: Bytes,
    ) -> Reply {
        let projection = list_query(query.as_deref())?.projection;
        let (body, if_match, ctx) = (object(&body)?, if_match(&headers), app.ctx());
        let ops = patch::parse_ops(&body)?;
        let mut written = app.store().patch(&ctx, kind, &id, ops, if_match)?;
        if let Value::Object(resource) = written.body {
            written.body = Value::Object(projection.apply(resource));
        }
        // RFC 7644 §3.5.2: `attributes` asks for the resource, and MUST get it.
        let asked = !projection.attributes.is_empty();
        let bare =
            ctx.quirks.has(Quirk::Patch204Always) || (ctx.quirks.has(Quirk::Patch204) && !asked);
        let status = match bare {
            true => StatusCode::NO_CONTENT,
            false => StatusCode::OK,
        };
        Ok(respond(status, written, false))
    }

    async fn delete(
        kind: Kind,
        State(app): App,
        Path(id): Path<String>,
        headers: HeaderMap,
    ) -> Reply {
        app.store().delete(kind, &id, if_match(&headers))?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }

    async fn service_provider_config(State(app): App) -> Response {
        let quirks = app.quirks();
        scim_json(
            StatusCode::OK,
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
                "patch": {"supported": !quirks.has(Quirk::NoPatch)},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": !quirks.has(Quirk::Count500), "maxResults": app.max_page_size},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": true},
                "authenticationSchemes": [{
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "A bearer token in the Authorization header",
                    "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                    "primary": true,
                }],
                "meta": {
                    "resourceType": "ServiceProviderConfig",
                    "location": format!("{}/ServiceProviderConfig", app.base_url),
                },
            }),
        )
    }

    async fn resource_types(State(app): App) -> Response {
        let mut kinds = vec![Kind::User];
        if !app.quirks().has(Quirk::NoGroups) {
            kinds.push(Kind::Group);
        }
        let types: Vec<Value> = kinds
            .into_iter()
            .map(|kind| {
                let extensions = match kind {
                    Kind::User => json!([{"schema": ENTERPRISE_USER, "required": false}]),
                    Kind::Group => json!([]),
                };
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                    "id": kind.name(),
                    "name": kind.name(),
                    "endpoint": kind.endpoint(),
                    "schema": kind.schema(),
                    "schemaExtensions": extensions,
                    "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/{}", app.base_url, kind.name())},
                })
            })
            .collect();
        scim_json(StatusCode::OK, &list_response(types.len(), 1, types))
    }

    /// Minimal: which schemas exist, without their attributes.
    async fn schemas(State(app): App) -> Response {
        let mut known = vec![(USER_SCHEMA, "User"), (ENTERPRISE_USER, "EnterpriseUser")];
        if !app.quirks().has(Quirk::NoGroups) {
            known.push((GROUP_SCHEMA, "Group"));
        }
        let schemas: Vec<Value> = known
            .into_iter()
            .map(|(id, name)| {
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                    "id": id,
                    "name": name,
                    "attributes": [],
                    "meta": {"resourceType": "Schema", "location": format!("{}/Schemas/{id}", app.base_url)},
                })
            })
            .collect();
        scim_json(StatusCode::OK, &list_response(schemas.len(), 1, schemas))
    }

    fn list_query(query: Option<&str>) -> Result<ListQuery, ScimError> {
        let mut list = ListQuery {
            filter: None,
            start_index: 1,
            count: None,
            projection: Projection::default(),
        };
        let names = |value: &str| -> Vec<String> {
            value
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        };
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.to_ascii_lowercase().as_str() {
                "filter" => list.filter = Some(value.into_owned()),
                "startindex" => list.start_index = number(&key, &value)?.max(1),
                "count" => list.count = Some(number(&key, &value)?),
                "attributes" => list.projection.attributes = names(&value),
                "excludedattributes" => list.projection.excluded = names(&value),
                _ => {}
            }
        }
        Ok(list)
    }

    /// A paging number; negative ones count as 0 (RFC 7644 §3.4.2.4).
    fn number(key: &str, value: &str) -> Result<usize, ScimError> {
        let n: i64 = value.trim().parse().map_err(|_| {
            ScimError::invalid_value(format!("{key} must be an integer, not {value:?}"))
        })?;
        Ok(usize::try_from(n.max(0)).unwrap_or(usize::MAX))
    }

    fn object(body: &[u8]) -> Result<Map<String, Value>, ScimError> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(attrs)) => Ok(attrs),
            Ok(_) => Err(ScimError::invalid_syntax("the body must be a JSON object")),
            Err(e) => Err(ScimError::invalid_syntax(format!(
                "the body is not JSON: {e}"
            ))),
        }
    }

    fn if_match(headers: &HeaderMap) -> Option<&str> {
        headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
    }

    fn scim_json(status: StatusCode, body: &Value) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, SCIM_JSON)],
            body.to_string(),
        )
            .into_response()
    }

    /// A resource with its `ETag` (and `Location` when created); 204 has no body.
    fn respond(status: StatusCode, written: Written, created: bool) -> Response {
        let mut response = if status == StatusCode::NO_CONTENT {
            status.into_response()
        } else {
            scim_json(status, &written.body)
        };
        let headers = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&written.etag) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(location) = created
            .then(|| HeaderValue::from_str(&written.location).ok())
            .flatten()
        {
            headers.insert(header::LOCATION, location);
        }
        response
    }

    impl IntoResponse for ScimError {
        fn into_response(self) -> Response {
            let mut body = json!({
                "schemas": [ERROR_SCHEMA],
                "status": self.status.to_string(),
                "detail": self.detail,
            });
            if let Some(scim_type) = self.scim_type {
                body["scimType"] = scim_type.into();
            }
            let status =
                StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            scim_json(status, &body)
        }
    }
}
