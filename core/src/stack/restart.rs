//! `restart = { ... }` -> [`RestartSpec`], and `stop_signal` -> [`StopSignal`].

use super::diagnostics::Diagnostics;
use super::raw::RawRestart;
use super::tree::Spanned;
use super::values::{count, duration};
use super::{RestartPolicy, RestartSpec, StopSignal};

/// Converts a restart table (absent: [`RestartSpec::default`]).
pub(crate) fn restart(d: &mut Diagnostics, raw: Option<&Spanned<RawRestart>>) -> RestartSpec {
    let def = RestartSpec::default();
    let Some(raw) = raw else {
        return def;
    };
    let r = raw.get_ref();
    let policy = match r.policy.as_ref() {
        None => def.policy,
        Some(p) => match p.get_ref().as_str() {
            "no" => RestartPolicy::No,
            "on-failure" => RestartPolicy::OnFailure,
            "always" => RestartPolicy::Always,
            other => {
                d.error_at(
                    p,
                    format!("unknown restart policy `{other}`"),
                    "write `policy = \"no\"`, `\"on-failure\"` or `\"always\"`",
                );
                def.policy
            }
        },
    };
    let spec = RestartSpec {
        policy,
        max_restarts: count(d, "max_restarts", &r.max_restarts, def.max_restarts, 0),
        window: duration(d, "window", &r.window, def.window, true),
        backoff_initial: duration(d, "backoff", &r.backoff, def.backoff_initial, false),
        backoff_max: duration(d, "backoff_max", &r.backoff_max, def.backoff_max, false),
        backoff_reset: duration(
            d,
            "backoff_reset",
            &r.backoff_reset,
            def.backoff_reset,
            false,
        ),
    };
    if spec.backoff_initial > spec.backoff_max {
        let at = r
            .backoff
            .as_ref()
            .or(r.backoff_max.as_ref())
            .map_or(raw.span(), Spanned::span);
        d.error(
            at,
            format!(
                "`backoff` ({}) is longer than `backoff_max` ({})",
                humantime::format_duration(spec.backoff_initial),
                humantime::format_duration(spec.backoff_max)
            ),
            "the backoff starts at `backoff` and doubles up to `backoff_max`: make `backoff` <= `backoff_max`",
        );
    }
    spec
}

/// Converts a signal name: `TERM` or `SIGTERM`, any case (absent: TERM).
pub(crate) fn stop_signal(d: &mut Diagnostics, raw: Option<&Spanned<String>>) -> StopSignal {
    let Some(raw) = raw else {
        return StopSignal::Term;
    };
    let upper = raw.get_ref().trim().to_ascii_uppercase();
    match upper.strip_prefix("SIG").unwrap_or(&upper) {
        "TERM" => StopSignal::Term,
        "INT" => StopSignal::Int,
        "QUIT" => StopSignal::Quit,
        "HUP" => StopSignal::Hup,
        "USR1" => StopSignal::Usr1,
        "USR2" => StopSignal::Usr2,
        "KILL" => StopSignal::Kill,
        _ => {
            d.error_at(
                raw,
                format!("unknown stop signal `{}`", raw.get_ref()),
                "write one of \"TERM\", \"INT\", \"QUIT\", \"HUP\", \"USR1\", \"USR2\", \"KILL\" (a `SIG` prefix is fine)",
            );
            StopSignal::Term
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(name: &str) -> (StopSignal, bool) {
        let mut d = Diagnostics::new("f", "x");
        let s = stop_signal(&mut d, Some(&Spanned::new(0..1, name.to_string())));
        (s, d.is_empty())
    }

    #[test]
    fn signal_names_any_case_with_or_without_sig() {
        assert_eq!(sig("TERM"), (StopSignal::Term, true));
        assert_eq!(sig("sigint"), (StopSignal::Int, true));
        assert_eq!(sig("SIGUSR2"), (StopSignal::Usr2, true));
        assert_eq!(sig("Kill"), (StopSignal::Kill, true));
        assert_eq!(sig("STOP"), (StopSignal::Term, false));
    }
}
