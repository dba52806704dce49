//! `coord export kubernetes|systemd` through the real binary: files into a directory or on
//! stdout, a selection, the report on stderr, and a stack that cannot be exported (services
//! without an image, an unknown service) refused with exit 2, every problem at file:line:col.

use coord_tests::harness::coord::coord_cmd;
use coord_tests::harness::testdir::TestDir;
use std::path::Path;

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/demo.toml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn kubernetes_writes_one_file_per_service_and_reports_on_stderr() {
    let dir = TestDir::new("export-k8s");
    let out = dir.file("manifests");
    let out_arg = out.to_string_lossy().into_owned();
    let (code, stdout, all) = coord_cmd(
        dir.path(),
        &demo(),
        &["export", "kubernetes", "-o", &out_arg],
    );
    assert_eq!(code, 0, "{all}");
    assert!(
        stdout.trim().is_empty(),
        "nothing on stdout with -o DIR: {stdout}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api.yaml",
            "coord-wait.yaml",
            "database.yaml",
            "migrate.yaml",
            "web.yaml",
            "worker.yaml"
        ]
    );
    let api = std::fs::read_to_string(out.join("api.yaml")).unwrap();
    assert!(
        api.contains("kind: Deployment") && api.contains("kind: Service"),
        "{api}"
    );
    assert!(
        all.contains("coord export kubernetes: what does not map exactly"),
        "{all}"
    );
    assert!(
        all.contains("`log = \"Serving HTTP on\"` has no Kubernetes equivalent"),
        "{all}"
    );
}

#[test]
fn systemd_on_stdout_exports_a_selection_with_what_it_needs() {
    let dir = TestDir::new("export-systemd");
    let (code, stdout, all) = coord_cmd(
        dir.path(),
        &demo(),
        &["export", "systemd", "-o", "-", "api"],
    );
    assert_eq!(code, 0, "{all}");
    for unit in [
        "# demo-database.service",
        "# demo-migrate.service",
        "# demo-api.service",
        "# demo.target",
    ] {
        assert!(stdout.lines().any(|l| l == unit), "no {unit} in\n{stdout}");
    }
    // Not selected: web and worker depend on api, api does not need them.
    assert!(!stdout.contains("demo-web.service"), "{stdout}");
    assert!(!stdout.contains("demo-worker.service"), "{stdout}");
    assert!(
        stdout.contains("Requires=demo-migrate.service demo-database.service"),
        "{stdout}"
    );
}

#[test]
fn services_without_an_image_are_all_named_at_their_place() {
    let dir = TestDir::new("export-no-image");
    let file = dir.write(
        "stack.toml",
        "[services.db]\ncommand = \"db\"\nport = 5432\nexport = { image = \"postgres:17\" }\n\n[services.api]\ncommand = \"api\"\ndepends_on = [\"db\"]\n\n[services.web]\ncommand = \"web\"\n",
    );
    let (code, stdout, all) = coord_cmd(
        dir.path(),
        &file.to_string_lossy(),
        &["export", "kubernetes"],
    );
    assert_eq!(code, 2, "{all}");
    assert!(stdout.trim().is_empty(), "nothing exported: {stdout}");
    assert!(
        all.contains("stack.toml:6:11: error: service `api` has no image"),
        "{all}"
    );
    assert!(
        all.contains("stack.toml:10:11: error: service `web` has no image"),
        "{all}"
    );
    assert!(all.contains("[services.web.export]"), "{all}");
    assert!(!all.contains("`db`"), "db has an image: {all}");
    assert!(all.contains("cannot be exported: 2 errors"), "{all}");
    // systemd needs no image.
    let (code, _, all) = coord_cmd(dir.path(), &file.to_string_lossy(), &["export", "systemd"]);
    assert_eq!(code, 0, "{all}");
}

#[test]
fn an_unknown_service_is_a_usage_error() {
    let dir = TestDir::new("export-unknown");
    let (code, _, all) = coord_cmd(dir.path(), &demo(), &["export", "systemd", "nope"]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("no service named `nope`"), "{all}");
    assert!(
        all.contains("the services are: database, migrate, api, web, worker"),
        "{all}"
    );
}
