//! Warnings at load: an optional service that a service required for the run requires (over
//! `required` edges, transitively) is in fact required; the warning names both, at the edge.

use coord_core::graph::StackGraph;
use coord_core::stack::{ConfigWarning, Place, ServiceId, Stack, optional_but_required};

/// The warnings for a run of `roots` (empty: every service).
fn warnings(text: &str, roots: &[&str]) -> Vec<ConfigWarning> {
    let parsed = Stack::parse_with_places("w.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let stack = &parsed.stack;
    let ids: Vec<ServiceId> = if roots.is_empty() {
        stack.service_ids().collect()
    } else {
        roots.iter().map(|r| stack.service_id(r).unwrap()).collect()
    };
    let selected = StackGraph::new(stack).select(&ids);
    optional_but_required(stack, &parsed.places, &selected)
}

const DIRECT: &str = r#"
[services.redis]
command = "redis-server"
optional = true
[services.api]
command = "api"
depends_on = ["redis"]
"#;

#[test]
fn a_required_edge_to_an_optional_service_is_named_at_the_edge() {
    let w = warnings(DIRECT, &[]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(
        w[0].place,
        Place {
            line: 7,
            column: 15,
            file: 0
        }
    );
    assert_eq!(
        w[0].to_string(),
        "w.toml:7:15: warning: `redis` is marked optional, but `api` requires it, so it is required for this run: if it fails, `api` fails and so does the run\n  help: if `api` can run without it, make that dependency optional (`redis = \"optional\"`, or `kind = \"optional\"` in its table); otherwise drop `optional` from `redis`"
    );
}

#[test]
fn transitive_requirements_name_the_required_service_too() {
    let text = r#"
[coordination]
optional_services = ["auth", "db"]
[services.db]
command = "db"
[services.auth]
command = "auth"
depends_on = { db = "required" }
[services.web]
command = "web"
depends_on = { auth = { kind = "required", timeout = "5s" } }
"#;
    let w = warnings(text, &[]);
    let messages: Vec<&str> = w.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    // File order: the auth -> db edge (line 8) before web -> auth (line 11).
    assert_eq!(w[0].place.line, 8);
    assert!(
        messages[0]
            .starts_with("`db` is marked optional, but `auth` (which `web` requires) requires it"),
        "{messages:#?}"
    );
    assert_eq!(w[1].place.line, 11);
    assert!(
        messages[1].starts_with("`auth` is marked optional, but `web` requires it"),
        "{messages:#?}"
    );
}

#[test]
fn optional_and_soft_edges_and_optional_dependents_do_not_warn() {
    let text = r#"
[services.cache]
command = "c"
optional = true
[services.metrics]
command = "m"
optional = true
depends_on = ["cache"]
[services.api]
command = "a"
depends_on = { cache = "optional", metrics = "soft" }
"#;
    assert_eq!(warnings(text, &[]), []);
}

#[test]
fn only_the_services_of_the_run_count() {
    let text = r#"
[services.redis]
command = "r"
optional = true
[services.api]
command = "a"
depends_on = ["redis"]
[services.worker]
command = "w"
"#;
    assert_eq!(warnings(text, &["worker"]), []);
    assert_eq!(warnings(text, &["redis"]), []);
    assert_eq!(warnings(text, &["api"]).len(), 1);
}

#[test]
fn without_graceful_degradation_nothing_is_optional_anyway() {
    let text = format!("[coordination]\ngraceful_degradation = false\n{DIRECT}");
    assert_eq!(warnings(&text, &[]), []);
}

#[test]
fn netra_warns_that_backend_requires_optional_redis_and_auth() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/netra.toml"),
    )
    .unwrap();
    let w = warnings(&text, &[]);
    let named: Vec<(&str, &str)> = w
        .iter()
        .map(|w| {
            let mut words = w.message.split('`');
            (words.nth(1).unwrap(), words.nth(1).unwrap())
        })
        .collect();
    assert!(named.contains(&("redis", "backend")), "{w:#?}");
    assert!(named.contains(&("auth", "backend")), "{w:#?}");
}

/// With `required_services`, a service left out of the list is not required on its own; the
/// warning and the coordinator read the same rule (`Stack::required_roots`).
#[test]
fn a_service_left_out_of_required_services_but_required_is_warned_about() {
    let toml = r#"
[coordination]
required_services = ["api"]

[services.db]
command = "db"

[services.api]
command = "api"
depends_on = ["db"]
"#;
    let parsed = coord_core::stack::Stack::parse_with_places("t.toml", toml).expect("valid");
    let selected = vec![true; parsed.stack.services.len()];
    let warnings =
        coord_core::stack::optional_but_required(&parsed.stack, &parsed.places, &selected);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let text = warnings[0].to_string();
    assert!(
        text.contains("`db` is not in `required_services`, but `api` requires it"),
        "{text}"
    );
    assert!(text.contains("add `db` to `required_services`"), "{text}");
}
