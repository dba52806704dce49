//! process-compose renders commands (and a few other strings) as Go `text/template`s with the
//! file's `vars` (global `vars`, overridden by the process's own). coord renders the subset such
//! files use: `{{.NAME}}` / `{{ .NAME }}` substitutions. Any other action (pipelines, `if`,
//! `range`, functions) is refused with a message naming it, instead of being run half-way.

use std::collections::BTreeMap;

/// Renders `text` with `vars`; `Err` is a message and a help text.
pub(crate) fn render(
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Result<String, (String, String)> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err((
                "a template action `{{` without its closing `}}`".into(),
                "close the action: `{{.NAME}}`".into(),
            ));
        };
        let action = after[..close].trim_matches(|c: char| c.is_whitespace() || c == '-');
        let name = action
            .strip_prefix('.')
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let Some(name) = name else {
            return Err((
                format!(
                    "coord renders only `{{{{.NAME}}}}` template actions, not `{{{{{action}}}}}`"
                ),
                "compute the value in the shell command instead, or write the value itself".into(),
            ));
        };
        let Some(value) = vars.get(name) else {
            return Err((
                format!("the template uses `.{name}`, which is not in `vars`"),
                format!("add `{name}: VALUE` under `vars:` (of the process or of the file)"),
            ));
        };
        out.push_str(value);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_vars_and_refuses_the_rest() {
        let vars: BTreeMap<String, String> = [("PORT".to_string(), "8080".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            render("serve -p {{.PORT}} {{ .PORT }}", &vars).unwrap(),
            "serve -p 8080 8080"
        );
        assert_eq!(render("no actions", &vars).unwrap(), "no actions");
        assert!(
            render("{{.MISSING}}", &vars)
                .unwrap_err()
                .0
                .contains("MISSING")
        );
        assert!(
            render("{{if .PORT}}x{{end}}", &vars)
                .unwrap_err()
                .0
                .contains("only")
        );
        assert!(render("open {{.PORT", &vars).is_err());
    }
}
