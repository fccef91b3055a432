//! A connection's sync rules: who is eligible for an account, which HR
//! statuses mean "leaving", how person fields map onto the app's user, how
//! accounts are matched, and how many deprovisions a run may make unforced.
//!
//! Rules arrive as JSON and are parsed by hand, so that every fault is
//! reported with its path (`eligibility.all[1].in`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{FieldErrors, person::value_at};

mod roles;

pub use roles::{GroupOptions, OnDeprovision, Role, managed_groups};

/// Unified user fields a mapping may set.
pub const MAPPABLE_FIELDS: &[&str] = &[
    "user_name",
    "display_name",
    "nick_name",
    "title",
    "user_type",
    "locale",
    "timezone",
    "preferred_language",
    "employee_number",
    "cost_center",
    "organization",
    "division",
    "department",
    "name.given_name",
    "name.family_name",
    "name.middle_name",
    "name.formatted",
    "name.honorific_prefix",
    "name.honorific_suffix",
    "email",
    "phone",
];

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rules {
    /// Who should have an account; absent means everyone sent.
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub eligibility: Option<Condition>,
    /// `attributes.employment_status` values that mean the person is leaving (matched ignoring case).
    pub leaving_statuses: Vec<String>,
    /// Target field → where its value comes from. Targets: the unified fields in
    /// `GET /v1/providers` (`mappable_fields`), `email`, `phone`, or `extensions.<urn>.<attribute>`.
    #[schema(value_type = HashMap<String, HashMap<String, serde_json::Value>>)]
    pub mapping: Map<String, Value>,
    /// How existing accounts are matched, in order.
    pub match_order: Vec<MatchKey>,
    /// More deprovisions than this in one run need `force: true`.
    pub deprovision_limit: DeprovisionLimit,
    /// Which people are in which of the app's groups.
    pub roles: Vec<Role>,
    /// How sync treats the groups the roles name.
    pub groups: GroupOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    ExternalId,
    UserName,
    Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeprovisionLimit {
    /// The most deprovisions as a percentage of managed accounts (default 10).
    pub percent: u32,
    /// The most deprovisions in absolute terms (default 50).
    pub count: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            eligibility: None,
            leaving_statuses: vec!["terminated".into()],
            mapping: Map::new(),
            match_order: vec![MatchKey::ExternalId, MatchKey::UserName, MatchKey::Email],
            deprovision_limit: DeprovisionLimit {
                percent: 10,
                count: 50,
            },
            roles: Vec::new(),
            groups: GroupOptions::default(),
        }
    }
}

/// An eligibility condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test { attribute: String, test: Test },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    Contains(String),
    StartsWith(String),
    Exists(bool),
}

const TESTS: [&str; 6] = [
    "equals",
    "not_equals",
    "in",
    "contains",
    "starts_with",
    "exists",
];

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl Condition {
    fn to_json(&self) -> Value {
        match self {
            Condition::All(items) => {
                serde_json::json!({"all": items.iter().map(Condition::to_json).collect::<Vec<_>>()})
            }
            Condition::Any(items) => {
                serde_json::json!({"any": items.iter().map(Condition::to_json).collect::<Vec<_>>()})
            }
            Condition::Not(inner) => serde_json::json!({"not": inner.to_json()}),
            Condition::Test { attribute, test } => {
                let (name, value) = match test {
                    Test::Equals(v) => ("equals", v.clone()),
                    Test::NotEquals(v) => ("not_equals", v.clone()),
                    Test::In(v) => ("in", Value::Array(v.clone())),
                    Test::Contains(v) => ("contains", Value::String(v.clone())),
                    Test::StartsWith(v) => ("starts_with", Value::String(v.clone())),
                    Test::Exists(v) => ("exists", Value::Bool(*v)),
                };
                serde_json::json!({"attribute": attribute, name: value})
            }
        }
    }

    /// Whether `person` (as JSON) satisfies the condition.
    pub fn matches(&self, person: &Value) -> bool {
        match self {
            Condition::All(items) => items.iter().all(|c| c.matches(person)),
            Condition::Any(items) => items.iter().any(|c| c.matches(person)),
            Condition::Not(inner) => !inner.matches(person),
            Condition::Test { attribute, test } => {
                let value = value_at(person, attribute);
                match test {
                    Test::Exists(expected) => value.is_some() == *expected,
                    Test::Equals(expected) => value == Some(expected),
                    Test::NotEquals(expected) => value != Some(expected),
                    Test::In(options) => value.is_some_and(|v| options.contains(v)),
                    Test::Contains(part) => value.is_some_and(|v| match v {
                        Value::String(s) => s.contains(part.as_str()),
                        Value::Array(items) => {
                            items.iter().any(|i| i.as_str() == Some(part.as_str()))
                        }
                        _ => false,
                    }),
                    Test::StartsWith(prefix) => value
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.starts_with(prefix.as_str())),
                }
            }
        }
    }
}

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    From(String),
    Value(Value),
    Template(String),
}

/// A mapping rule: a source and transforms applied in order.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingRule {
    pub source: Source,
    pub transforms: Vec<Transform>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Lower,
    Upper,
    Trim,
}

impl Rules {
    /// Parses a rules document, naming every fault by its path.
    pub fn parse(document: &Value) -> Result<Rules, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut rules = Rules::default();
        let Some(object) = document.as_object() else {
            errors.push("body", "must be a JSON object");
            return Err(errors);
        };
        push_unknown_fields(object, &RULES_FIELDS, "", &mut errors);
        if let Some(value) = object.get("eligibility").filter(|v| !v.is_null()) {
            rules.eligibility = parse_condition(value, "eligibility", &mut errors, 0);
        }
        if let Some(value) = object.get("leaving_statuses") {
            rules.leaving_statuses = parse_leaving_statuses(value, &mut errors);
        }
        if let Some(value) = object.get("mapping") {
            rules.mapping = parse_mapping(value, &mut errors);
        }
        if let Some(value) = object.get("match_order") {
            rules.match_order = parse_match_order(value, &mut errors);
        }
        if let Some(value) = object.get("deprovision_limit") {
            rules.deprovision_limit = parse_limit(value, &mut errors);
        }
        if let Some(value) = object.get("roles") {
            rules.roles = roles::parse_roles(value, &mut errors);
        }
        if let Some(value) = object.get("groups") {
            rules.groups = roles::parse_group_options(value, &mut errors);
        }
        errors.into_result(rules)
    }

    /// The parsed mapping (already validated by [`Rules::parse`]).
    pub fn mapping_rules(&self) -> Vec<(String, MappingRule)> {
        let mut ignored = FieldErrors::new();
        self.mapping
            .iter()
            .filter_map(|(target, rule)| {
                Some((target.clone(), parse_mapping_rule(rule, "", &mut ignored)?))
            })
            .collect()
    }

    /// Whether an employment status means leaving.
    pub fn is_leaving(&self, status: &str) -> bool {
        self.leaving_statuses
            .iter()
            .any(|s| s.eq_ignore_ascii_case(status))
    }
}

/// Nesting deeper than this is a mistake (and a way to exhaust the stack).
const MAX_DEPTH: usize = 16;

const RULES_FIELDS: [&str; 7] = [
    "eligibility",
    "leaving_statuses",
    "mapping",
    "match_order",
    "deprovision_limit",
    "roles",
    "groups",
];

/// Records every key of `object` that is not one of `known`.
fn push_unknown_fields(
    object: &Map<String, Value>,
    known: &[&str],
    path: &str,
    errors: &mut FieldErrors,
) {
    for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
        let at = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        errors.push(at, "is not a known field");
    }
}

fn parse_leaving_statuses(value: &Value, errors: &mut FieldErrors) -> Vec<String> {
    let Some(statuses) = value.as_array().filter(|a| a.iter().all(Value::is_string)) else {
        errors.push("leaving_statuses", "must be an array of strings");
        return Vec::new();
    };
    statuses
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Checks every target and rule; the mapping is kept as sent, and parsed
/// again where it is applied ([`Rules::mapping_rules`]).
fn parse_mapping(value: &Value, errors: &mut FieldErrors) -> Map<String, Value> {
    let Some(mapping) = value.as_object() else {
        errors.push("mapping", "must be an object of target field → rule");
        return Map::new();
    };
    for (target, rule) in mapping {
        let path = format!("mapping.{target}");
        check_target(target, &path, errors);
        parse_mapping_rule(rule, &path, errors);
    }
    mapping.clone()
}

fn parse_condition(
    value: &Value,
    path: &str,
    errors: &mut FieldErrors,
    depth: usize,
) -> Option<Condition> {
    if depth > MAX_DEPTH {
        errors.push(path, format!("nests deeper than {MAX_DEPTH} levels"));
        return None;
    }
    let Some(object) = value.as_object() else {
        errors.push(path, "must be an object: {\"all\": […]}, {\"any\": […]}, {\"not\": …} or {\"attribute\": …, <test>: …}");
        return None;
    };
    let Some(combinator) = ["all", "any", "not"]
        .into_iter()
        .find(|k| object.contains_key(*k))
    else {
        return parse_test(object, path, errors);
    };
    if object.len() != 1 {
        errors.push(path, format!("`{combinator}` must be the only key"));
        return None;
    }
    let (inner, at) = (&object[combinator], format!("{path}.{combinator}"));
    match combinator {
        "all" => parse_conditions(inner, &at, errors, depth + 1).map(Condition::All),
        "any" => parse_conditions(inner, &at, errors, depth + 1).map(Condition::Any),
        _ => parse_condition(inner, &at, errors, depth + 1).map(|c| Condition::Not(Box::new(c))),
    }
}

/// The conditions under `all` or `any`: `None` unless every one parses.
fn parse_conditions(
    value: &Value,
    path: &str,
    errors: &mut FieldErrors,
    depth: usize,
) -> Option<Vec<Condition>> {
    let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
        errors.push(path, "must be a non-empty array of conditions");
        return None;
    };
    let parsed: Vec<Condition> = items
        .iter()
        .enumerate()
        .filter_map(|(i, c)| parse_condition(c, &format!("{path}[{i}]"), errors, depth))
        .collect();
    (parsed.len() == items.len()).then_some(parsed)
}

fn parse_test(
    object: &Map<String, Value>,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<Condition> {
    let attribute = match object.get("attribute").and_then(Value::as_str) {
        Some(a) if !a.is_empty() => a.to_owned(),
        _ => {
            errors.push(
                format!("{path}.attribute"),
                "is required: the person field to test, e.g. `attributes.department`",
            );
            return None;
        }
    };
    let tests: Vec<&String> = object
        .keys()
        .filter(|k| k.as_str() != "attribute")
        .collect();
    let [name] = tests.as_slice() else {
        errors.push(
            path,
            format!("must have exactly one test of: {}", TESTS.join(", ")),
        );
        return None;
    };
    match test_named(name, &object[name.as_str()]) {
        Ok(test) => Some(Condition::Test { attribute, test }),
        Err(message) => {
            errors.push(format!("{path}.{name}"), message);
            None
        }
    }
}

/// The test `name` with its operand, or what is wrong with them.
fn test_named(name: &str, value: &Value) -> Result<Test, String> {
    let string = || value.as_str().map(str::to_owned).ok_or("must be a string");
    Ok(match name {
        "equals" => Test::Equals(value.clone()),
        "not_equals" => Test::NotEquals(value.clone()),
        "in" => Test::In(
            value
                .as_array()
                .cloned()
                .ok_or("must be an array of values")?,
        ),
        "contains" => Test::Contains(string()?),
        "starts_with" => Test::StartsWith(string()?),
        "exists" => Test::Exists(value.as_bool().ok_or("must be true or false")?),
        _ => return Err(format!("is not a test; use one of: {}", TESTS.join(", "))),
    })
}

fn check_target(target: &str, path: &str, errors: &mut FieldErrors) {
    if MAPPABLE_FIELDS.contains(&target) {
        return;
    }
    let is_extension = target
        .strip_prefix("extensions.")
        .and_then(|rest| rest.rsplit_once('.'))
        .is_some_and(|(urn, attribute)| {
            urn.to_ascii_lowercase().starts_with("urn:") && !attribute.is_empty()
        });
    if !is_extension {
        errors.push(path, "is not a mappable field: use a unified field, `email`, `phone`, or `extensions.<urn>.<attribute>`");
    }
}

const SOURCES: [&str; 3] = ["from", "value", "template"];
const MAPPING_RULE_FIELDS: [&str; 4] = ["from", "value", "template", "transform"];

fn parse_mapping_rule(rule: &Value, path: &str, errors: &mut FieldErrors) -> Option<MappingRule> {
    let Some(object) = rule.as_object() else {
        errors.push(
            path,
            "must be an object with one of `from`, `value` or `template`",
        );
        return None;
    };
    push_unknown_fields(object, &MAPPING_RULE_FIELDS, path, errors);
    let source = parse_source(object, path, errors)?;
    let transforms = object
        .get("transform")
        .map_or_else(Vec::new, |list| parse_transforms(list, path, errors));
    Some(MappingRule { source, transforms })
}

/// The rule's one source: `from`, `value` or `template`.
fn parse_source(
    object: &Map<String, Value>,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<Source> {
    let sources: Vec<&str> = SOURCES
        .into_iter()
        .filter(|k| object.contains_key(*k))
        .collect();
    let [key] = sources.as_slice() else {
        errors.push(
            path,
            "must have exactly one of `from`, `value` or `template`",
        );
        return None;
    };
    match source_named(key, &object[*key]) {
        Ok(source) => Some(source),
        Err(message) => {
            errors.push(format!("{path}.{key}"), message);
            None
        }
    }
}

/// The source `key` (one of [`SOURCES`]) with its value, or what is wrong with it.
fn source_named(key: &str, value: &Value) -> Result<Source, String> {
    match key {
        "from" => match value.as_str() {
            Some(p) if !p.is_empty() => Ok(Source::From(p.to_owned())),
            _ => Err("must be a person field path, e.g. `attributes.job_title`".into()),
        },
        "template" => {
            let template = value
                .as_str()
                .ok_or("must be a string such as `{given_name}.{family_name}@example.com`")?;
            check_template(template)?;
            Ok(Source::Template(template.to_owned()))
        }
        // `value`: any JSON, taken as it is.
        _ => Ok(Source::Value(value.clone())),
    }
}

/// One transform name or a list of them, applied in order.
fn parse_transforms(list: &Value, path: &str, errors: &mut FieldErrors) -> Vec<Transform> {
    let names: Vec<&Value> = match list {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut transforms = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        match name.as_str() {
            Some("lower") => transforms.push(Transform::Lower),
            Some("upper") => transforms.push(Transform::Upper),
            Some("trim") => transforms.push(Transform::Trim),
            _ => errors.push(
                format!("{path}.transform[{i}]"),
                "must be `lower`, `upper` or `trim`",
            ),
        }
    }
    transforms
}

/// `{path}` placeholders must be closed and non-empty.
fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("has a `{` without a closing `}`")?;
        if after[..close].trim().is_empty() || after[..close].contains('{') {
            return Err("has an empty or nested placeholder".into());
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("has a `}` without an opening `{`".into());
    }
    Ok(())
}

impl MappingRule {
    /// The mapped value for `person`; `Err` names a field the source needs but the person lacks.
    pub fn apply(&self, person: &Value) -> Result<Value, String> {
        let value = match &self.source {
            Source::Value(v) => v.clone(),
            Source::From(path) => value_at(person, path)
                .cloned()
                .ok_or_else(|| path.clone())?,
            Source::Template(template) => Value::String(render(template, person)?),
        };
        Ok(self
            .transforms
            .iter()
            .fold(value, |value, transform| match (value, transform) {
                (Value::String(s), Transform::Lower) => Value::String(s.to_lowercase()),
                (Value::String(s), Transform::Upper) => Value::String(s.to_uppercase()),
                (Value::String(s), Transform::Trim) => Value::String(s.trim().to_owned()),
                (other, _) => other,
            }))
    }
}

/// Fills `{path}` placeholders from the person; a placeholder may name a path
/// from the root (`{attributes.location}`) or a name part (`{given_name}`).
fn render(template: &str, person: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let path = after[..close].trim();
        let value = value_at(person, path)
            .or_else(|| value_at(person, &format!("name.{path}")))
            .ok_or_else(|| path.to_owned())?;
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

fn parse_match_order(value: &Value, errors: &mut FieldErrors) -> Vec<MatchKey> {
    let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
        errors.push(
            "match_order",
            "must be a non-empty array of `external_id`, `user_name`, `email`",
        );
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = match item.as_str() {
            Some("external_id") => MatchKey::ExternalId,
            Some("user_name") => MatchKey::UserName,
            Some("email") => MatchKey::Email,
            _ => {
                errors.push(
                    format!("match_order[{i}]"),
                    "must be `external_id`, `user_name` or `email`",
                );
                continue;
            }
        };
        if keys.contains(&key) {
            errors.push(format!("match_order[{i}]"), "appears twice");
        }
        keys.push(key);
    }
    keys
}

fn parse_limit(value: &Value, errors: &mut FieldErrors) -> DeprovisionLimit {
    let mut limit = Rules::default().deprovision_limit;
    let Some(object) = value.as_object() else {
        errors.push(
            "deprovision_limit",
            "must be an object with `percent` and/or `count`",
        );
        return limit;
    };
    for (key, v) in object {
        let n = v.as_u64().and_then(|n| u32::try_from(n).ok());
        match (key.as_str(), n) {
            ("percent", Some(n)) if n <= 100 => limit.percent = n,
            ("count", Some(n)) => limit.count = n,
            ("percent", _) => errors.push(
                "deprovision_limit.percent",
                "must be a whole number from 0 to 100",
            ),
            ("count", _) => errors.push("deprovision_limit.count", "must be a whole number"),
            (other, _) => errors.push(format!("deprovision_limit.{other}"), "is not a known field"),
        }
    }
    limit
}

#[cfg(test)]
mod tests;
