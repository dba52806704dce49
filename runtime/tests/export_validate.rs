//! The exported files load in their engines' own checkers: every Kubernetes manifest validates
//! against the Kubernetes 1.33 OpenAPI schema (`kubernetes-validate --strict`, offline), every
//! systemd unit passes `systemd-analyze --user verify` without a warning. CI installs both
//! (scripts/ci-install.sh); elsewhere a missing checker skips its test with the reason printed,
//! except `kubernetes-validate` under `CI`, where it must be there.

mod export_common;

use export_common::{FIXTURES, kubernetes, stack, systemd, temp_dir, write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The Kubernetes version the manifests are typed for (k8s-openapi's `v1_33` feature).
const KUBERNETES_VERSION: &str = "1.33.0";

/// `kubernetes-validate` as the Python that installed it runs it (`python3 -m`), so that it is
/// found whether or not its script directory is on `PATH`.
fn kubernetes_validate() -> Command {
    let mut command = Command::new("python3");
    command.args(["-m", "kubernetes_validate"]);
    command
}

fn have_kubernetes_validate() -> bool {
    kubernetes_validate()
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn kubernetes_manifests_validate_against_the_schema() {
    if !have_kubernetes_validate() {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubernetes-validate is missing in CI: scripts/ci-install.sh installs it (pip install kubernetes-validate)"
        );
        eprintln!(
            "skipped: kubernetes-validate is not installed (pip install kubernetes-validate)"
        );
        return;
    }
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let (files, _) = kubernetes(&stack, fixture);
        let dir = temp_dir(&format!("k8s-validate-{}", export_common::label(fixture)));
        let paths = write(&dir, &files);
        let out = kubernetes_validate()
            .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
            .args(&paths)
            .output()
            .expect("run kubernetes-validate");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{fixture}:\n{text}");
        assert!(
            !text.contains("ERROR") && !text.contains("WARN"),
            "{fixture}:\n{text}"
        );
        let passed = text.matches(" passed for resource ").count();
        let documents: usize = files
            .iter()
            .map(|f| f.text.matches("\nkind: ").count() + usize::from(f.text.starts_with("kind: ")))
            .sum();
        assert_eq!(
            passed, documents,
            "{fixture}: every document checked\n{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let analyze = "/usr/bin/systemd-analyze";
    if !Path::new(analyze).exists() {
        eprintln!("skipped: {analyze} is absent (Debian package `systemd`)");
        return;
    }
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let label = export_common::label(fixture);
        let dir = temp_dir(&format!("systemd-verify-{label}"));
        // Units that point at a real working directory; a user manager needs a runtime directory.
        let work = dir.join("work");
        let units = dir.join("units");
        let runtime = dir.join("runtime");
        for d in [&work, &units, &runtime] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        for sub in stack
            .services
            .iter()
            .filter_map(|s| s.working_dir.as_deref())
        {
            if !sub.starts_with('/') {
                std::fs::create_dir_all(work.join(sub)).unwrap();
            }
        }
        let (files, _) = systemd(&stack, fixture, &work);
        // The env files the units read (`EnvironmentFile=%E/systemd/user/...`) are not units:
        // they are installed where `%E` points, as the README says.
        let config = dir.join("config");
        let user_units = config.join("systemd/user");
        std::fs::create_dir_all(&user_units).unwrap();
        let (env_files, unit_files): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|f| f.name.ends_with(".env"));
        write(&user_units, &env_files);
        let paths = write(&units, &unit_files);
        let out = Command::new(analyze)
            .args(["--user", "verify"])
            .args(&paths)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_CONFIG_HOME", &config)
            .env("SYSTEMD_LOG_COLOR", "0")
            .output()
            .expect("run systemd-analyze");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{fixture}: systemd-analyze verify failed\n{stderr}"
        );
        assert!(stderr.trim().is_empty(), "{fixture}: warnings\n{stderr}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
