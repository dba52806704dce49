//! `${VAR}`, `${VAR:-default}` and `${VAR:?message}` in a string of a stack file, resolved at
//! load; `$$` is a literal `$`. Everything else is left as written: `$NAME` without braces (the
//! shell, or coord's expansion of argv items at spawn, handles it) and the braced names coord
//! only knows at spawn ([`is_left_for_spawn`]).

/// A reference that cannot be resolved: where in the string (byte offset of its `$`), what is
/// wrong and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InterpolationError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

const FORMS: &str = "write `${NAME}`, `${NAME:-default}` or `${NAME:?message}` (a name is letters, digits and `_`), or `$$` for a literal `$`";

/// Resolves every braced reference of `text`. `lookup` gives a variable's value; `left` says
/// which names are left as written for spawn time.
pub(crate) fn interpolate<'v>(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    left: &dyn Fn(&str) -> bool,
) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let offset = text.len() - rest.len() + at;
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner_and_tail) = after.strip_prefix('{') {
            let Some(close) = inner_and_tail.find('}') else {
                return Err(InterpolationError {
                    offset,
                    message: "`${` is not closed by `}`".to_string(),
                    help: FORMS.to_string(),
                });
            };
            let inner = &inner_and_tail[..close];
            rest = &inner_and_tail[close + 1..];
            out.push_str(&reference(inner, offset, lookup, left)?);
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of one `${inner}`.
fn reference<'v>(
    inner: &str,
    offset: usize,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    left: &dyn Fn(&str) -> bool,
) -> Result<String, InterpolationError> {
    let name_len = inner
        .char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(inner.len(), |(i, _)| i);
    let (name, modifier) = inner.split_at(name_len);
    if name.is_empty() {
        return Err(InterpolationError {
            offset,
            message: format!("`${{{inner}}}` does not start with a variable name"),
            help: FORMS.to_string(),
        });
    }
    if left(name) {
        return Ok(format!("${{{inner}}}"));
    }
    let value = lookup(name).filter(|v| !v.is_empty());
    if modifier.is_empty() {
        Ok(lookup(name).unwrap_or_default().to_string())
    } else if let Some(default) = modifier.strip_prefix(":-") {
        Ok(value.unwrap_or(default).to_string())
    } else if let Some(message) = modifier.strip_prefix(":?") {
        match value {
            Some(v) => Ok(v.to_string()),
            None => Err(InterpolationError {
                offset,
                message: if message.is_empty() {
                    format!("the variable `{name}` is not set (or empty)")
                } else {
                    format!("the variable `{name}` is not set (or empty): {message}")
                },
                help: format!(
                    "set `{name}` in coord's environment or in an `env_file`, or give a default with `${{{name}:-default}}`"
                ),
            }),
        }
    } else {
        Err(InterpolationError {
            offset,
            message: format!("`${{{inner}}}` is not a variable reference coord understands"),
            help: FORMS.to_string(),
        })
    }
}

/// Whether a braced name is left as written at load because coord sets it only when it starts
/// the service: `PORT`, `NOTIFY_SOCKET`, `LISTEN_FDS`, `LISTEN_PID`, and `<P>_HOST`, `<P>_PORT`,
/// `<P>_URL`, `<P>_AVAILABLE` for the prefix `P` of any service of the stack (`prefixes`).
pub(crate) fn is_left_for_spawn(name: &str, prefixes: &[String]) -> bool {
    if matches!(name, "PORT" | "NOTIFY_SOCKET" | "LISTEN_FDS" | "LISTEN_PID") {
        return true;
    }
    ["_HOST", "_PORT", "_URL", "_AVAILABLE"]
        .iter()
        .any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|p| prefixes.iter().any(|q| q == p))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<String, InterpolationError> {
        let vars = [("USER", "ada"), ("EMPTY", ""), ("DB_NAME", "app")];
        let lookup = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        let prefixes = vec!["DB".to_string()];
        interpolate(text, &lookup, &|n| is_left_for_spawn(n, &prefixes))
    }

    #[test]
    fn each_form_resolves() {
        assert_eq!(run("hi ${USER}!").unwrap(), "hi ada!");
        assert_eq!(run("[${MISSING}]").unwrap(), "[]");
        assert_eq!(
            run("${MISSING:-guest} ${EMPTY:-x} ${USER:-x}").unwrap(),
            "guest x ada"
        );
        assert_eq!(run("${USER:?who runs this?}").unwrap(), "ada");
        assert_eq!(run("${DB_NAME}").unwrap(), "app");
    }

    #[test]
    fn dollars_escape_and_bare_names_stay() {
        assert_eq!(run("cost $$5, pid $$$$").unwrap(), "cost $5, pid $$");
        assert_eq!(run("$USER and $ and end$").unwrap(), "$USER and $ and end$");
        assert_eq!(run("$${USER}").unwrap(), "${USER}");
    }

    #[test]
    fn spawn_time_names_are_left_as_written() {
        assert_eq!(
            run("--port ${PORT} ${DB_URL} ${DB_PORT:-5432} ${NOTIFY_SOCKET}").unwrap(),
            "--port ${PORT} ${DB_URL} ${DB_PORT:-5432} ${NOTIFY_SOCKET}"
        );
        // Not a service's prefix: resolved (to nothing) at load.
        assert_eq!(run("${CACHE_URL}").unwrap(), "");
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = run("x ${TOKEN:?set it in .env}").unwrap_err();
        assert_eq!(e.offset, 2);
        assert_eq!(
            e.message,
            "the variable `TOKEN` is not set (or empty): set it in .env"
        );
        let e = run("${EMPTY:?}").unwrap_err();
        assert_eq!(e.message, "the variable `EMPTY` is not set (or empty)");
        let e = run("ab ${USER").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (3, "`${` is not closed by `}`")
        );
        let e = run("${1X}").unwrap_err();
        assert!(
            e.message.contains("does not start with a variable name"),
            "{}",
            e.message
        );
        let e = run("${USER:+alt}").unwrap_err();
        assert!(
            e.message.contains("not a variable reference"),
            "{}",
            e.message
        );
    }
}
