//! Env files and `${...}` interpolation in a coord.toml: values reach the service with the
//! documented precedence, a secret from an env file stays out of what coord writes itself, and a
//! missing required variable or file is exit 2 at its line:column.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, coord_cmd, is_summary};
use coord_tests::harness::events::{env_of, listening_port};
use coord_tests::harness::testdir::TestDir;
use std::path::Path;

const SECRET: &str = "s3cr3t-token-8f2d1c";

/// Every file under `dir`, recursively (the `.coord` state directory).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn env_files_and_interpolation_reach_the_service_and_secrets_stay_out_of_coords_output() {
    let dir = TestDir::new("env-files");
    dir.write(
        ".env",
        &format!("# shared\nSECRET_TOKEN={SECRET}\nWHO=ada\nLEVEL=from-dotenv\nPORT=1\n"),
    );
    dir.write("api.env", "export LEVEL=from-api-file\n");
    let stack = dir.write(
        "coord.toml",
        &format!(
            r#"env_file = [".env", {{ path = ".env.local", required = false }}]

[ports.ranges]
test = "{range}"

[services.api]
env_file = ["api.env"]
command = "{api} --require-env SECRET_TOKEN --print-env GREETING --print-env FALLBACK --print-env LEVEL --print-env PORT"
port = {{ range = "test" }}
env = {{ GREETING = "hello ${{WHO}}", FALLBACK = "${{NOT_SET_ANYWHERE_7Q:-fallback}}" }}
"#,
            range = dir.ports().range(0, 4),
            api = dir.toy_shell("api", &[]).replace('\\', "\\\\").replace('"', "\\\""),
        ),
    );
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    assert!(summary.contains("1/1 ready"), "{summary}");
    let events = dir.events().read();
    assert_eq!(
        env_of(&events, "api", "GREETING").as_deref(),
        Some("hello ada")
    );
    assert_eq!(
        env_of(&events, "api", "FALLBACK").as_deref(),
        Some("fallback")
    );
    assert_eq!(
        env_of(&events, "api", "LEVEL").as_deref(),
        Some("from-api-file"),
        "the service's env file wins over the stack's"
    );
    let port = listening_port(&events, "api").expect("api listens");
    assert_eq!(
        env_of(&events, "api", "PORT"),
        Some(port.to_string()),
        "coord's PORT wins over an env file's"
    );
    let file = stack.to_string_lossy().into_owned();
    let (code, status, _) = coord_cmd(dir.path(), &file, &["status", "--json"]);
    assert_eq!(code, 0, "{status}");
    assert!(!status.contains(SECRET), "{status}");
    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    assert!(!coord.transcript().contains(SECRET));
    let state = files_under(&dir.path().join(".coord"));
    assert!(!state.is_empty(), "coord keeps its state in .coord");
    for path in state {
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{} holds the secret",
            path.display()
        );
    }
}

#[test]
fn a_missing_required_variable_exits_2_at_its_line_and_column() {
    let dir = TestDir::new("env-required");
    let stack = dir.write(
        "coord.toml",
        "[services.api]\ncommand = \"./api --key ${COORD_TEST_UNSET_KEY_Z9:?put it in .env}\"\n",
    );
    let (code, _, all) = coord_cmd(dir.path(), &stack.to_string_lossy(), &["check"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains(&format!(
            "{}:2:24: error: the variable `COORD_TEST_UNSET_KEY_Z9` is not set (or empty): put it in .env",
            stack.display()
        )),
        "{all}"
    );
}

#[test]
fn a_missing_required_env_file_exits_2_naming_it() {
    let dir = TestDir::new("env-file-missing");
    let stack = dir.write(
        "coord.toml",
        "[services.api]\ncommand = \"./api\"\nenv_file = [\"secrets.env\"]\n",
    );
    let (code, _, all) = coord_cmd(dir.path(), &stack.to_string_lossy(), &["check"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains(&format!(
            "{}:3:13: error: the env file `secrets.env` does not exist",
            stack.display()
        )),
        "{all}"
    );
}
