//! Damaged stack files never make the parser panic, and every error points inside the file.

use coord_core::Stack;
use coord_core::stack::EnvInputs;
use std::path::Path;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(name),
    )
    .unwrap()
}

/// Parses `text`; on errors, checks each is located within the text and says what to do.
fn parse_checked(text: &str) -> bool {
    parse_checked_as("x.toml", text)
}

/// [`parse_checked`] for a file named `file` (which picks the format).
fn parse_checked_as(file: &str, text: &str) -> bool {
    // Resolving `${...}` (with nothing set and no env file found) is part of loading too.
    let loaded = Stack::parse_file_bytes(file, text.as_bytes())
        .and_then(|parsed| parsed.resolve_env(&EnvInputs::default()));
    match loaded {
        Ok(_) => true,
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an Err carries at least one error");
            let lines: Vec<&str> = text.split('\n').collect();
            for e in &errors.0 {
                assert!(e.line >= 1 && e.line <= lines.len(), "{e} in {text:?}");
                let width = lines[e.line - 1].chars().count();
                assert!(e.column >= 1 && e.column <= width + 1, "{e} in {text:?}");
                assert!(!e.help.is_empty(), "{e}");
            }
            false
        }
    }
}

#[test]
fn every_truncation_of_the_fixtures_is_handled() {
    for name in ["netra.toml", "demo.toml"] {
        let text = fixture(name);
        let mut rejected = 0;
        for (cut, _) in text.char_indices() {
            if !parse_checked(&text[..cut]) {
                rejected += 1;
            }
        }
        assert!(rejected > 0, "{name}: some truncations must be rejected");
        assert!(parse_checked(&text), "{name} itself parses");
    }
}

#[test]
fn removing_any_one_line_is_handled() {
    for name in ["netra.toml", "demo.toml"] {
        let text = fixture(name);
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let damaged: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            parse_checked(&damaged.join("\n"));
        }
    }
}

/// A stack with env files and every interpolation form.
const INTERPOLATED: &str = r#"env_file = [".env", { path = ".env.local", required = false }]

[services.db]
command = ["postgres", "-p", "${PORT}", "--user=${DB_USER:-postgres}"]
port = { range = "development" }

[services.api]
env_file = "api.env"
command = "./api --db ${DB_URL} --key ${API_KEY:?set API_KEY in .env} --cost $$5"
working_dir = "${APP_DIR:-.}"
env = { MODE = "${MODE:-dev}", NAME = "é ${USER}" }
depends_on = ["db"]
"#;

#[test]
fn every_truncation_and_line_removal_of_an_interpolated_stack_is_handled() {
    let mut rejected = 0;
    for (cut, _) in INTERPOLATED.char_indices() {
        if !parse_checked(&INTERPOLATED[..cut]) {
            rejected += 1;
        }
    }
    assert!(rejected > 0, "some truncations must be rejected");
    let lines: Vec<&str> = INTERPOLATED.lines().collect();
    for skip in 0..lines.len() {
        let damaged: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        parse_checked(&damaged.join("\n"));
    }
}

#[test]
fn every_truncation_and_line_removal_of_a_procfile_is_handled() {
    let text = fixture("procfile/Procfile");
    let mut rejected = 0;
    for (cut, _) in text.char_indices() {
        if !parse_checked_as("Procfile", &text[..cut]) {
            rejected += 1;
        }
    }
    assert!(rejected > 0, "some truncations must be rejected");
    assert!(
        parse_checked_as("Procfile", &text),
        "the Procfile itself parses"
    );
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..lines.len() {
        let damaged: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        parse_checked_as("Procfile", &damaged.join("\n"));
    }
}

#[test]
fn removing_a_service_that_others_need_names_it() {
    let text = fixture("netra.toml");
    let without_redis = text.replace("[services.redis]", "[services.cache]");
    let errors = Stack::parse("x.toml", &without_redis).unwrap_err();
    let messages: Vec<&str> = errors.0.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`optional_services` names unknown service `redis`",
            "`auth` depends on unknown service `redis`",
            "`backend` depends on unknown service `redis`",
        ]
    );
}
