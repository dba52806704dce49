//! Golden files of `coord export kubernetes|systemd` for the demo, netra and every-kind stacks:
//! every file exported, then the report of what does not map exactly. Review a change with
//! `cargo insta review`.

mod export_common;

use coord::export::output::stdout_text;
use export_common::{FIXTURES, STACK_DIR, kubernetes, label, stack, systemd};
use std::path::Path;

#[test]
fn kubernetes_manifests() {
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let (files, report) = kubernetes(&stack, fixture);
        let text = format!("{}\n# report on stderr\n{report}", stdout_text(&files));
        insta::assert_snapshot!(format!("kubernetes_{}", label(fixture)), text);
    }
}

#[test]
fn systemd_units() {
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let (files, report) = systemd(&stack, fixture, Path::new(STACK_DIR));
        let text = format!("{}\n# report on stderr\n{report}", stdout_text(&files));
        insta::assert_snapshot!(format!("systemd_{}", label(fixture)), text);
    }
}
