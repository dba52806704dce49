//! Small text rules both exports share: whole seconds, and rewriting the `$NAME` references
//! coord expands in an argv command into the target's own syntax.

use crate::process::expand_vars;
use std::time::Duration;

/// `d` in whole seconds, rounded up, at least 1 (Kubernetes probe periods count seconds).
pub fn ceil_secs(d: Duration) -> i64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i64::try_from(secs.max(1)).unwrap_or(i64::MAX)
}

/// `d` in whole seconds, rounded up (0 stays 0).
pub fn ceil_secs_or_zero(d: Duration) -> i64 {
    if d.is_zero() { 0 } else { ceil_secs(d) }
}

/// Whether `d` is a whole number of seconds of at least 1.
pub fn whole_secs(d: Duration) -> bool {
    d.subsec_nanos() == 0 && d.as_secs() > 0
}

/// A duration as coord writes it (`500ms`, `30s`, `1m 30s`).
pub fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Rewrites one argv item for another engine: every `$NAME` / `${NAME}` that coord would
/// expand at spawn (NAME in `known`, found by coord's own expansion rule) becomes
/// `reference(NAME)`, and every other piece of text goes through `escape`.
pub fn rewrite_vars(
    item: &str,
    known: &[String],
    reference: impl Fn(&str) -> String,
    escape: impl Fn(&str) -> String,
) -> String {
    // NUL cannot occur in a validated command, so it marks the references unambiguously.
    let marks: Vec<(String, String)> = known
        .iter()
        .map(|k| (k.clone(), format!("\0{k}\0")))
        .collect();
    let marked = expand_vars(item, &marks);
    marked
        .split('\0')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                reference(piece)
            } else {
                escape(piece)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_up() {
        assert_eq!(ceil_secs(Duration::from_millis(500)), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1500)), 2);
        assert_eq!(ceil_secs(Duration::from_secs(10)), 10);
        assert_eq!(ceil_secs_or_zero(Duration::ZERO), 0);
        assert!(whole_secs(Duration::from_secs(3)));
        assert!(!whole_secs(Duration::from_millis(300)));
    }

    #[test]
    fn known_references_are_rewritten_and_the_rest_escaped() {
        let known = vec!["PORT".to_string(), "DB_URL".to_string()];
        let k8s = |item: &str| {
            rewrite_vars(
                item,
                &known,
                |n| format!("$({n})"),
                |t| t.replace('$', "$$"),
            )
        };
        assert_eq!(k8s("--port=${PORT}"), "--port=$(PORT)");
        assert_eq!(k8s("$DB_URL/x"), "$(DB_URL)/x");
        assert_eq!(k8s("$HOME and $$"), "$$HOME and $$$$");
        assert_eq!(k8s("$(PORT)"), "$$(PORT)");
    }
}
