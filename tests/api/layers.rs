//! The layer rule, checked on the source: `api` speaks to services and the
//! domain, never to what lies below them (storage, the key ring, the SCIM
//! client, the provider profiles).

use std::{
    fs,
    path::{Path, PathBuf},
};

/// What lies below the services, which `api` reaches only through them.
const BELOW_THE_SERVICES: [&str; 4] = ["store", "crypto", "scim", "providers"];

#[test]
fn the_api_reaches_what_lies_below_only_through_services() {
    let mut found = Vec::new();
    for path in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api")) {
        let source = fs::read_to_string(&path).unwrap();
        for module in crate_modules(&source) {
            let module = module.as_str();
            if BELOW_THE_SERVICES.contains(&module) {
                found.push(format!("{} uses crate::{module}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "api reaches below the services: {found:#?}"
    );
}

#[test]
fn the_domain_imports_nothing_of_the_crate() {
    let mut found = Vec::new();
    for path in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain")) {
        let source = fs::read_to_string(&path).unwrap();
        for module in crate_modules(&source) {
            if module != "domain" {
                found.push(format!("{} uses crate::{module}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "domain depends on the crate: {found:#?}");
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn grouped_and_nested_imports_are_seen() {
    let source = "use crate::{\n    domain::X,\n    store::{self, Y},\n};\nfn f() { crate::crypto::open(); }";
    assert_eq!(crate_modules(source), ["domain", "store", "crypto"]);
}

/// The top-level modules a source file names after `crate::`, in `use` trees
/// (`use crate::{a::X, b::{Y}}`) and in paths alike.
fn crate_modules(source: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            modules.extend(group_heads(group));
        } else {
            modules.push(identifier(rest));
        }
    }
    modules
}

/// The first identifier of each item of a `{…}` group, up to its closing brace.
fn group_heads(group: &str) -> Vec<String> {
    let (mut heads, mut depth, mut item_start) = (Vec::new(), 0, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                heads.push(identifier(&group[i..]));
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}
