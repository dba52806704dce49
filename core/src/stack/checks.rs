//! Checks across services: names, fixed ports used twice, the coordination's service lists.

use super::coordination::CoordinationParts;
use super::diagnostics::{Diagnostics, suggest};
use super::names::NameIndex;
use super::raw::{RawPort, RawService};
use super::tree::Spanned;
use super::values::{env_prefix, is_plain_name};
use std::collections::{BTreeMap, BTreeSet};

/// The services as written: name and table, in file order.
pub(crate) type Tables = [(Spanned<String>, Spanned<RawService>)];

/// Service names become environment prefixes (`AUTH_DB_PORT`): they must be plain, and two
/// names must not give the same prefix.
pub(crate) fn check_names(d: &mut Diagnostics, tables: &Tables) {
    let mut prefixes: BTreeMap<String, &str> = BTreeMap::new();
    for (name, _) in tables {
        if !is_plain_name(name.get_ref()) {
            d.error_at(
                name,
                format!("service name `{}` has characters other than letters, digits, `-` and `_`", name.get_ref()),
                "rename the service, such as `[services.auth-db]`: its name becomes the prefix of the variables its dependents get (`AUTH_DB_PORT`)",
            );
            continue;
        }
        let prefix = env_prefix(name.get_ref());
        if let Some(other) = prefixes.get(&prefix) {
            d.error_at(
                name,
                format!("services `{other}` and `{}` would both hand dependents `{prefix}_PORT`", name.get_ref()),
                "rename one of them: `-` and `_` and letter case are not told apart in variable names",
            );
        } else {
            prefixes.insert(prefix, name.get_ref());
        }
    }
}

/// Two services may not ask for the same fixed port (`port = N`).
pub(crate) fn check_fixed_ports(d: &mut Diagnostics, tables: &Tables) {
    let mut owners: BTreeMap<i64, &str> = BTreeMap::new();
    for (name, table) in tables {
        let Some(port) = &table.get_ref().port else {
            continue;
        };
        let RawPort::Number(n) = port.get_ref() else {
            continue;
        };
        if let Some(owner) = owners.get(n) {
            d.error_at(
                port,
                format!("`{}` and `{owner}` both use the fixed port {n}", name.get_ref()),
                format!("one port serves one process: give `{}` another port, or let coord pick one with `port = {{ preferred = {n}, range = \"development\" }}`", name.get_ref()),
            );
        } else {
            owners.insert(*n, name.get_ref());
        }
    }
}

/// Every name in `required_services` / `optional_services` is a service, and in only one list.
pub(crate) fn check_lists(d: &mut Diagnostics, parts: &CoordinationParts, names: &NameIndex) {
    let lists = [
        ("required_services", &parts.required),
        ("optional_services", &parts.optional),
    ];
    for (list, entries) in lists {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for entry in entries {
            let name = entry.get_ref();
            if names.id(name).is_none() {
                d.error_at(
                    entry,
                    format!("`{list}` names unknown service `{name}`"),
                    suggest(name, "service", names.iter()),
                );
            } else if !seen.insert(name) {
                d.error_at(
                    entry,
                    format!("`{list}` lists `{name}` twice"),
                    "list each service once",
                );
            }
        }
    }
    let required: BTreeSet<&str> = parts
        .required
        .iter()
        .map(|r| r.get_ref().as_str())
        .collect();
    for entry in &parts.optional {
        if required.contains(entry.get_ref().as_str()) {
            d.error_at(
                entry,
                format!("`{}` is in both `required_services` and `optional_services`", entry.get_ref()),
                "a service is either required (its failure fails the run) or optional: keep it in one list",
            );
        }
    }
}
