//! A stack of many services must not give one-line messages that list every service: the
//! startup summary and cycle errors name the first ten and count the rest.

mod common;

use common::Harness;
use coord_core::{Action, Stack};

/// A chain `s0 <- s1 <- ... <- s{n-1}` (each requires the one before), each a `ready` probe away
/// from ready; `s0` optionally cannot be spawned.
fn chain(n: usize) -> String {
    let mut toml = String::new();
    for i in 0..n {
        toml.push_str(&format!("[services.s{i}]\ncommand = \"x\"\n"));
        if i > 0 {
            toml.push_str(&format!("depends_on = {{ s{} = \"required\" }}\n", i - 1));
        }
    }
    toml
}

fn summary(h: &Harness) -> String {
    h.log
        .iter()
        .find_map(|l| match &l.command {
            Action::StartupFinished(s) => Some(s.to_string()),
            _ => None,
        })
        .expect("a startup summary")
}

#[test]
fn a_long_critical_path_names_ten_services_and_counts_the_rest() {
    let mut h = Harness::new(&chain(25));
    h.start(&[]);
    h.run_until(60_000);
    let text = summary(&h);
    assert!(
        text.ends_with(
            "(critical path s0 > s1 > s2 > s3 > s4 > s5 > s6 > s7 > s8 > s9 > ... and 15 more)"
        ),
        "{text}"
    );
}

#[test]
fn many_failures_are_named_ten_and_counted() {
    let mut h = Harness::new(&chain(2_000));
    h.script("s0").spawn_fails = true;
    h.start(&[]);
    h.run_until(600_000);
    let text = summary(&h);
    assert!(text.starts_with("startup failed after "), "{text}");
    assert_eq!(text.matches("; s").count(), 10, "{text}");
    assert!(
        text.ends_with("; and 1,990 more failed or skipped"),
        "{text}"
    );
    assert!(text.len() < 2_000, "{} bytes: {text}", text.len());
}

#[test]
fn a_long_cycle_names_ten_services_and_counts_the_rest() {
    // s0 requires s1999, closing a cycle through all 2,000 services.
    let mut toml = chain(2_000);
    toml = toml.replacen(
        "[services.s0]\ncommand = \"x\"\n",
        "[services.s0]\ncommand = \"x\"\ndepends_on = { s1999 = \"required\" }\n",
        1,
    );
    let errors = match Stack::parse_bytes("big.toml", toml.as_bytes()) {
        Ok(_) => panic!("a cycle parsed"),
        Err(e) => e,
    };
    assert_eq!(errors.0.len(), 1, "{:?}", errors.0);
    let message = &errors.0[0].message;
    assert!(message.starts_with("dependency cycle: s"), "{message}");
    assert_eq!(
        message,
        "dependency cycle: s0 -> s1999 -> s1998 -> s1997 -> s1996 -> s1995 -> s1994 -> s1993 \
         -> s1992 -> s1991 -> ... and 1,990 more -> s0"
    );
}
