//! `coord export kubernetes|systemd` through the real binary: files into a directory or on
//! stdout, a selection, the report on stderr, and a stack that cannot be exported (services
//! without an image, an unknown service) refused with exit 2, every problem at file:line:col;
//! env-file secrets written only to files of mode 0600.

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

/// The env-file fixture: its env files hold fake secrets, all starting with `fixture-`.
fn shop() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/export/env_files/shop.toml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn env_file_secrets_are_written_only_to_files_for_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    for target in ["kubernetes", "systemd"] {
        let dir = TestDir::new(&format!("export-secrets-{target}"));
        let out = dir.file("out");
        let out_arg = out.to_string_lossy().into_owned();
        let (code, _, all) = coord_cmd(dir.path(), &shop(), &["export", target, "-o", &out_arg]);
        assert_eq!(code, 0, "{all}");
        let mut secret_files = Vec::new();
        for entry in std::fs::read_dir(&out).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            if text.contains("fixture-db-password-7c1e") {
                assert_eq!(mode, 0o600, "{} holds a secret", path.display());
                secret_files.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
            if path.extension().is_some_and(|e| e == "service") {
                assert!(!text.contains("fixture-"), "{}:\n{text}", path.display());
            }
        }
        secret_files.sort();
        let expected: &[&str] = if target == "kubernetes" {
            &["api.yaml", "db.yaml", "migrate.yaml"]
        } else {
            &["shop-api.env", "shop-db.env", "shop-migrate.env"]
        };
        assert_eq!(secret_files, expected, "{target}");
        assert!(all.contains("variables from env files"), "{all}");
    }
}
