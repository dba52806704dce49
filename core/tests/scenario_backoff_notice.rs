//! The restart backoff is announced: the state stays `restarting` (a same-state change is no
//! transition), so every wait before a retry or restart gets its own record,
//! `api: restarting in 105 ms (restart 1 of 5)`.

mod common;

use common::Harness;
use coord_core::{Action, BackoffKind, BackoffNotice};

fn notices(h: &Harness) -> Vec<BackoffNotice> {
    h.log
        .iter()
        .filter_map(|l| match &l.command {
            Action::Backoff(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_restart_after_ready_announces_its_delay_and_count() {
    let mut h = Harness::new(
        r#"
[services.api]
command = "api"
restart = { policy = "always", max_restarts = 5, backoff = "100ms" }
"#,
    );
    h.script("api")
        .exit_after_by_gen
        .insert(1, Some((1_000, 1)));
    h.start(&[]);
    h.run_until(3_000);
    let n = notices(&h);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].kind, BackoffKind::Restart);
    assert!((100..=110).contains(&n[0].delay_ms), "{n:?}");
    assert_eq!(
        n[0].to_string(),
        format!("api: restarting in {} ms (restart 1 of 5)", n[0].delay_ms)
    );
}

#[test]
fn each_retry_of_a_failed_start_announces_the_next_attempt() {
    let mut h = Harness::new(
        r#"
[coordination]
startup_retry_count = 2

[services.db]
command = "db"
restart = { backoff = "1s" }
"#,
    );
    h.script("db").spawn_fails = true;
    h.start(&[]);
    h.run_until(30_000);
    let n = notices(&h);
    let texts: Vec<String> = n.iter().map(|n| n.to_string()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    let secs = |ms: u64| format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10);
    assert_eq!(
        texts[0],
        format!("db: retrying in {} (attempt 2 of 3)", secs(n[0].delay_ms))
    );
    assert_eq!(
        texts[1],
        format!("db: retrying in {} (attempt 3 of 3)", secs(n[1].delay_ms))
    );
    assert!((1_000..=1_100).contains(&n[0].delay_ms));
    assert!((2_000..=2_200).contains(&n[1].delay_ms));
}
