//! The `sim` binary: output, determinism and exit codes.

use std::process::{Command, Output};

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("sim runs")
}

#[test]
fn one_seed_prints_plan_trace_and_result_identically_twice() {
    let first = sim(&["--seed", "7"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let text = String::from_utf8(first.stdout.clone()).unwrap();
    assert!(
        text.starts_with("sim seed 7 on fixtures/netra.toml (5 services)\nfault plan"),
        "{text}"
    );
    assert!(text.contains("\ntrace:\n"), "{text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("ok: every invariant held"),
        "{text}"
    );
    let second = sim(&["--seed", "7", "--stack", "fixtures/netra.toml"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_sweep_prints_its_count_and_rate() {
    let out = sim(&["--seeds", "0..40", "--stack", "fixtures/netra.toml"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("40 seeds (0..40) on fixtures/netra.toml: "),
        "{text}"
    );
    assert!(last.ends_with(" seeds/s"), "{text}");
    let failed = text.matches("FAILED seed").count();
    assert!(last.contains(&format!(": {failed} failed")), "{text}");
    assert_eq!(out.status.code(), Some(if failed == 0 { 0 } else { 1 }));
}

#[test]
fn a_sweep_prints_the_same_for_any_number_of_jobs_and_its_per_core_rate() {
    let body = |jobs: &str| {
        let out = sim(&["--seeds", "0..300", "--random-stack", "--jobs", jobs]);
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, last) = text
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", text.trim_end()));
        assert!(
            last.starts_with("300 seeds (0..300) on a random stack: "),
            "{text}"
        );
        assert!(last.contains(&format!(" {jobs} jobs, ")), "{text}");
        assert!(last.contains(" seeds/s per core, "), "{text}");
        (body.to_string(), out.status.code())
    };
    assert_eq!(body("1"), body("3"));
    let zero = sim(&["--seeds", "0..10", "--jobs", "0"]);
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn bad_arguments_and_bad_stacks_exit_2_with_a_clear_message() {
    let out = sim(&["--seeds", "9..3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("write A..B with A < B"));

    let out = sim(&["--seed", "1", "--stack", "fixtures/invalid/cycle.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("fixtures/invalid/cycle.toml:"), "{err}");
    assert!(err.contains("cycle"), "{err}");

    let out = sim(&["--seed", "1", "--stack", "no/such.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read the stack file no/such.toml")
    );
}

#[test]
fn random_stack_mode_prints_the_stack_and_replays_identically() {
    let first = sim(&["--seed", "12", "--random-stack"]);
    let text = String::from_utf8(first.stdout.clone()).unwrap();
    assert!(
        text.starts_with("sim seed 12 on a random stack ("),
        "{text}"
    );
    assert!(text.contains("\nstack (max_parallel_starts "), "{text}");
    assert!(text.contains("  s0 "), "{text}");
    assert_eq!(
        first.stdout,
        sim(&["--seed", "12", "--random-stack"]).stdout
    );
    let sweep = sim(&["--seeds", "0..20", "--random-stack"]);
    let text = String::from_utf8(sweep.stdout).unwrap();
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("20 seeds (0..20) on a random stack: "),
        "{text}"
    );
    for block in text.split("FAILED seed ").skip(1) {
        assert!(block.contains("--random-stack"), "{block}");
    }
    let both = sim(&[
        "--seed",
        "1",
        "--random-stack",
        "--stack",
        "fixtures/demo.toml",
    ]);
    assert_eq!(both.status.code(), Some(2));
}
