//! One test per construct of coord's Go-template subset, and the refusals.

use super::*;

fn vars() -> Vars {
    [
        ("HOST", Value::Text("127.0.0.1".into())),
        ("PORT", Value::Int(8080)),
        ("DEBUG", Value::Bool(true)),
        ("QUIET", Value::Bool(false)),
        ("EMPTY", Value::Text(String::new())),
        ("ZERO", Value::Int(0)),
        ("MODE", Value::Text("dev".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn ok(template: &str) -> String {
    render(template, &vars())
        .unwrap_or_else(|e| panic!("{template}: {e:?}"))
        .text
}

fn err(template: &str) -> TemplateError {
    render(template, &vars()).expect_err(template)
}

#[test]
fn text_without_actions_is_kept_as_written() {
    assert_eq!(ok("serve --port 80 }} {"), "serve --port 80 }} {");
}

#[test]
fn fields_print_strings_numbers_and_booleans_as_go_does() {
    assert_eq!(
        ok("{{.HOST}}:{{ .PORT }} debug={{.DEBUG}} {{.QUIET}}"),
        "127.0.0.1:8080 debug=true false"
    );
}

#[test]
fn a_missing_key_prints_no_value_and_is_reported() {
    let r = render("a {{ .NOPE }} b", &vars()).unwrap();
    assert_eq!(r.text, "a <no value> b");
    assert_eq!(r.no_value, vec![(5, "NOPE".to_string())]);
}

#[test]
fn trim_markers_remove_the_white_space_beside_them() {
    assert_eq!(ok("a  \n {{- .MODE -}} \n\t b"), "adevb");
    assert_eq!(
        ok("a {{-3}}"),
        "a -3",
        "`{{-3}}` is the number -3, not a trim"
    );
}

#[test]
fn comments_print_nothing() {
    assert_eq!(ok("a {{/* why */}}b {{- /* trimmed */ -}} c"), "a bc");
}

#[test]
fn if_else_if_else_follow_go_truth() {
    let t = "{{if .DEBUG}}d{{end}}{{if .QUIET}}q{{else}}!q{{end}}";
    assert_eq!(ok(t), "d!q");
    let chain = |c: &str| {
        ok(&format!(
            "{{{{if {c}}}}}one{{{{else if .PORT}}}}two{{{{else}}}}three{{{{end}}}}"
        ))
    };
    assert_eq!(chain(".MODE"), "one");
    assert_eq!(chain(".EMPTY"), "two");
    assert_eq!(chain(".NOPE"), "two", "a missing key is false");
    assert_eq!(ok("{{if .ZERO}}x{{else if .EMPTY}}y{{else}}z{{end}}"), "z");
    assert_eq!(
        ok("{{if .DEBUG}}{{if .QUIET}}a{{else}}b{{end}}{{end}}"),
        "b",
        "nested"
    );
}

#[test]
fn not_and_or_eq_ne() {
    assert_eq!(ok("{{if not .QUIET}}loud{{end}}"), "loud");
    assert_eq!(ok("{{or .NOPE \"8000\"}} {{or .PORT 1}}"), "8000 8080");
    assert_eq!(ok("{{and .DEBUG .MODE}} {{and .EMPTY .MODE}}|"), "dev |");
    assert_eq!(ok("{{if eq .MODE \"prod\" \"dev\"}}yes{{end}}"), "yes");
    assert_eq!(ok("{{if ne .PORT 8080}}other{{else}}same{{end}}"), "same");
    assert_eq!(
        ok("{{if and (eq .MODE `dev`) (not .QUIET)}}on{{end}}"),
        "on"
    );
    assert_eq!(ok(r#"{{"a\"b\\c"}}"#), "a\"b\\c");
}

#[test]
fn go_refusals_stay_refusals() {
    assert!(
        err("{{if eq .PORT \"8080\"}}x{{end}}")
            .message
            .contains("incompatible")
    );
    assert!(err("{{if eq .NOPE 1}}x{{end}}").message.contains("NOPE"));
}

#[test]
fn constructs_outside_the_subset_are_errors_at_their_offset() {
    for (template, at, word) in [
        ("run {{range .X}}x{{end}}", 6, "range"),
        ("run {{.PORT | printf \"%d\"}}", 12, "pipelines"),
        ("a {{ $x := 1 }}", 5, "$x"),
        ("a {{.A.B}}", 4, ".A.B"),
        ("{{printf \"%d\" .PORT}}", 2, "printf"),
        ("{{with .MODE}}{{.}}{{end}}", 2, "with"),
        ("{{upper .MODE}}", 2, "not a Go template builtin"),
        ("x {{.}}", 4, "`.`"),
    ] {
        let e = err(template);
        assert_eq!(e.at, at, "{template}: {e:?}");
        assert!(e.message.contains(word), "{template}: {}", e.message);
        assert!(e.help.contains("{{.NAME}}"), "{}", e.help);
    }
}

#[test]
fn malformed_templates_are_errors_at_their_action() {
    for (template, at, words) in [
        ("open {{.PORT", 5, "closing `}}`"),
        ("x {{if .DEBUG}}y", 2, "without its `{{end}}`"),
        ("x {{end}}", 2, "without an `{{if}}`"),
        ("{{else}}", 0, "without an `{{if}}`"),
        ("{{if .A}}{{else}}{{else}}{{end}}", 17, "second `{{else}}`"),
        ("a {{}}", 2, "empty"),
        ("{{if}}x{{end}}", 0, "without a condition"),
        ("{{\"open}}", 0, "closing `}}`"),
        ("{{not .A .B}}", 2, "argument"),
        ("{{ (eq .A 1 }}", 3, "`(` without its `)`"),
        ("{{/* open }}", 0, "closing `}}`"),
    ] {
        let e = err(template);
        assert_eq!(e.at, at, "{template}: {e:?}");
        assert!(e.message.contains(words), "{template}: {}", e.message);
    }
}
