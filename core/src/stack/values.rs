//! Checked conversions of single raw values (durations, counts, port numbers, names) that record
//! an error and fall back to a placeholder, so validation can go on and report everything.

use super::diagnostics::Diagnostics;
use super::parse_duration;
use super::tree::Spanned;
use std::time::Duration;

/// A duration such as `"30s"`, or `default` when absent. With `nonzero`, `"0s"` (and anything
/// under 1ms, which is zero for the coordinator) is an error.
pub(crate) fn duration(
    d: &mut Diagnostics,
    key: &str,
    value: &Option<Spanned<String>>,
    default: Duration,
    nonzero: bool,
) -> Duration {
    let Some(value) = value else {
        return default;
    };
    match parse_duration(value.get_ref()) {
        Ok(parsed) if nonzero && parsed.is_zero() => {
            d.error_at(
                value,
                format!("`{key}` must be longer than zero"),
                format!(
                    "write a positive duration, such as `{key} = \"{}\"`",
                    humantime::format_duration(default)
                ),
            );
            default
        }
        Ok(parsed) if nonzero && parsed < Duration::from_millis(1) => {
            // The coordinator counts time in whole milliseconds: this would be zero there.
            d.error_at(
                value,
                format!(
                    "`{key}` is `{}`, shorter than 1ms, the smallest step coord counts in",
                    value.get_ref()
                ),
                format!(
                    "write a duration of at least 1ms, such as `{key} = \"{}\"`",
                    humantime::format_duration(default)
                ),
            );
            default
        }
        Ok(parsed) => parsed,
        Err(e) => {
            d.error_at(value, format!("`{key}`: {}", e.problem()), e.help());
            default
        }
    }
}

/// A whole number of at least `min`, or `default` when absent.
pub(crate) fn count(
    d: &mut Diagnostics,
    key: &str,
    value: &Option<Spanned<i64>>,
    default: u32,
    min: u32,
) -> u32 {
    let Some(value) = value else {
        return default;
    };
    match u32::try_from(*value.get_ref()) {
        Ok(n) if n >= min => n,
        _ => {
            d.error_at(
                value,
                format!("`{key}` must be at least {min}, not {}", value.get_ref()),
                format!(
                    "write a whole number from {min} up, such as `{key} = {}`",
                    default.max(min)
                ),
            );
            default
        }
    }
}

/// A TCP port number, 1-65535. `None` (after an error) when outside.
pub(crate) fn port_number(d: &mut Diagnostics, key: &str, value: &Spanned<i64>) -> Option<u16> {
    match u16::try_from(*value.get_ref()) {
        Ok(port) if port != 0 => Some(port),
        _ => {
            d.error_at(
                value,
                format!("port {} is outside 1-65535", value.get_ref()),
                format!("write a port number from 1 to 65535, such as `{key} = 8080`"),
            );
            None
        }
    }
}

/// A string that reaches the operating system (a command, an environment variable, a directory)
/// cannot hold a NUL byte: the process would fail only at spawn. Records an error if it does.
pub(crate) fn no_nul(d: &mut Diagnostics, what: &str, text: &str, at: std::ops::Range<usize>) {
    if text.contains('\0') {
        d.error(
            at,
            format!("{what} contains a NUL byte (\\u0000)"),
            "remove the `\\u0000` escape: the operating system cannot pass a NUL byte to a process (in an argument, an environment variable or a path)",
        );
    }
}

/// Whether `name` may name a service or a range: letters, digits, `-` and `_`.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// How one character of a service name appears in its environment prefix: `-` becomes `_`,
/// letters are upper-cased (service names hold only letters, digits, `-` and `_`).
pub fn env_prefix_char(c: char) -> char {
    if c == '-' {
        '_'
    } else {
        c.to_ascii_uppercase()
    }
}

/// The environment prefix of a service name, as in `<NAME>_PORT`: `auth-db` -> `AUTH_DB`.
pub fn env_prefix(name: &str) -> String {
    name.chars().map(env_prefix_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned<T>(value: T) -> Option<Spanned<T>> {
        Some(Spanned::new(0..1, value))
    }

    #[test]
    fn durations_fall_back_and_report() {
        let mut d = Diagnostics::new("f", "x");
        let def = Duration::from_secs(1);
        assert_eq!(duration(&mut d, "k", &None, def, true), def);
        assert_eq!(
            duration(&mut d, "k", &spanned("250ms".into()), def, true),
            Duration::from_millis(250)
        );
        assert!(d.is_empty());
        assert_eq!(
            duration(&mut d, "k", &spanned("soon".into()), def, true),
            def
        );
        assert_eq!(duration(&mut d, "k", &spanned("0s".into()), def, true), def);
        assert_eq!(
            duration(&mut d, "k", &spanned("0s".into()), def, false),
            Duration::ZERO
        );
        assert_eq!(
            duration(&mut d, "k", &spanned("2y".into()), def, false),
            def
        );
        assert_eq!(
            duration(&mut d, "k", &spanned("500us".into()), def, true),
            def
        );
        assert_eq!(
            duration(&mut d, "k", &spanned("500us".into()), def, false),
            Duration::from_micros(500)
        );
        let errors = d.into_errors().0;
        assert_eq!(errors.len(), 4);
        assert_eq!(
            errors[3].message,
            "`k` is `500us`, shorter than 1ms, the smallest step coord counts in"
        );
        assert!(errors[0].message.contains("bad duration `soon`"));
        assert!(errors[1].message.contains("longer than zero"));
        assert_eq!(
            errors[2].message,
            "`k`: duration `2y` is longer than the maximum of 1year"
        );
    }

    #[test]
    fn counts_and_ports_check_their_limits() {
        let mut d = Diagnostics::new("f", "x");
        assert_eq!(count(&mut d, "n", &spanned(4), 3, 1), 4);
        assert_eq!(count(&mut d, "n", &None, 3, 1), 3);
        assert!(d.is_empty());
        assert_eq!(count(&mut d, "n", &spanned(0), 3, 1), 3);
        assert_eq!(count(&mut d, "n", &spanned(-1), 3, 0), 3);
        let port = |n| Spanned::new(0..1, n);
        assert_eq!(port_number(&mut d, "port", &port(65535)), Some(65535));
        assert_eq!(port_number(&mut d, "port", &port(70000)), None);
        assert_eq!(port_number(&mut d, "port", &port(0)), None);
        assert_eq!(d.into_errors().0.len(), 4);
    }

    #[test]
    fn names_and_prefixes() {
        assert!(is_plain_name("auth-db_2"));
        assert!(!is_plain_name("a b"));
        assert!(!is_plain_name(""));
        assert_eq!(env_prefix("auth-db"), "AUTH_DB");
    }
}
