//! `env = { KEY = "value" }` -> the service's extra environment, checked for what `execve` would
//! refuse (an empty key, `=` in a key, a NUL byte anywhere) so that it fails at load, not at spawn.

use super::diagnostics::Diagnostics;
use super::raw::Keyed;
use super::tree::Spanned;
use super::values::no_nul;
use std::collections::BTreeMap;

/// Converts the `env` table (absent: empty), reporting every key or value the OS cannot take.
pub(crate) fn env(
    d: &mut Diagnostics,
    raw: Option<&Keyed<Spanned<String>>>,
) -> BTreeMap<String, String> {
    let Some(raw) = raw else {
        return BTreeMap::new();
    };
    let mut env = BTreeMap::new();
    for (key, value) in &raw.0 {
        let k = key.get_ref();
        if k.is_empty() {
            d.error_at(
                key,
                "`env` has an empty variable name",
                "write a name such as `env = { RUST_LOG = \"debug\" }`",
            );
        } else if k.contains('=') {
            d.error_at(
                key,
                format!("`env` variable name `{}` contains `=`", k.escape_default()),
                "a variable name cannot contain `=` (it separates name and value): write `env = { NAME = \"value\" }`",
            );
        } else {
            no_nul(
                d,
                &format!("`env` variable name `{}`", k.escape_default()),
                k,
                key.span(),
            );
        }
        no_nul(
            d,
            &format!("the value of `env` variable `{}`", k.escape_default()),
            value.get_ref(),
            value.span(),
        );
        env.insert(k.clone(), value.get_ref().clone());
    }
    env
}

/// Reports every `env` key that coord itself sets for this service (`reserved`: the name, and
/// why coord sets it), which would otherwise be silently overridden at spawn.
pub(crate) fn no_reserved(
    d: &mut Diagnostics,
    raw: Option<&Keyed<Spanned<String>>>,
    reserved: &[(String, String)],
) {
    let Some(raw) = raw else {
        return;
    };
    for (key, _) in &raw.0 {
        if let Some((_, why)) = reserved.iter().find(|(name, _)| name == key.get_ref()) {
            d.error_at(
                key,
                format!(
                    "`env` sets `{}`, which coord sets for this service",
                    key.get_ref()
                ),
                why.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        let mut d = Diagnostics::new("f", text);
        let tree = crate::stack::formats::toml_tree::parse(text).unwrap();
        let raw: Keyed<Spanned<String>> = crate::stack::tree::from_tree(&tree).unwrap();
        env(&mut d, Some(&raw));
        d.into_errors().0.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn plain_keys_and_values_pass() {
        assert!(messages("A = \"1\"\nB_2 = \"x y\"\n").is_empty());
    }

    #[test]
    fn empty_keys_equals_signs_and_nul_bytes_are_errors() {
        assert_eq!(
            messages("\"\" = \"1\"\n\"A=B\" = \"2\"\nC = \"x\\u0000y\"\n\"D\\u0000\" = \"3\"\n"),
            [
                "`env` has an empty variable name",
                "`env` variable name `A=B` contains `=`",
                "the value of `env` variable `C` contains a NUL byte (\\u0000)",
                "`env` variable name `D\\u{0}` contains a NUL byte (\\u0000)",
            ]
        );
    }
}
