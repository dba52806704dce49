//! `[coordination]` -> [`Coordination`], defaults from the original design.

use super::Coordination;
use super::diagnostics::Diagnostics;
use super::raw::RawCoordination;
use super::tree::Spanned;
use super::values::{count, duration};

/// The coordination settings, plus the spanned service lists for the checks that need the
/// service names.
pub(crate) struct CoordinationParts {
    /// The settings, defaults filled in.
    pub coordination: Coordination,
    /// `required_services`, as written.
    pub required: Vec<Spanned<String>>,
    /// `optional_services`, as written.
    pub optional: Vec<Spanned<String>>,
}

/// Converts `[coordination]` (absent: all defaults).
pub(crate) fn coordination(d: &mut Diagnostics, raw: Option<RawCoordination>) -> CoordinationParts {
    let defaults = Coordination::default();
    let Some(raw) = raw else {
        return CoordinationParts {
            coordination: defaults,
            required: Vec::new(),
            optional: Vec::new(),
        };
    };
    let max_parallel_starts = match &raw.max_parallel_starts {
        Some(v) if *v.get_ref() < 1 => {
            d.error_at(
                v,
                format!("`max_parallel_starts` must be at least 1, not {}", v.get_ref()),
                "nothing could ever start; write a positive number such as `max_parallel_starts = 3`",
            );
            defaults.max_parallel_starts
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(usize::MAX),
        None => defaults.max_parallel_starts,
    };
    let required = raw.required_services.unwrap_or_default();
    let optional = raw.optional_services.unwrap_or_default();
    let coordination = Coordination {
        max_parallel_starts,
        dependency_timeout: duration(
            d,
            "dependency_timeout",
            &raw.dependency_timeout,
            defaults.dependency_timeout,
            false,
        ),
        readiness_timeout: duration(
            d,
            "readiness_timeout",
            &raw.readiness_timeout,
            defaults.readiness_timeout,
            true,
        ),
        startup_retry_count: count(
            d,
            "startup_retry_count",
            &raw.startup_retry_count,
            defaults.startup_retry_count,
            0,
        ),
        graceful_degradation: raw
            .graceful_degradation
            .unwrap_or(defaults.graceful_degradation),
        required_services: required.iter().map(|s| s.get_ref().clone()).collect(),
        optional_services: optional.iter().map(|s| s.get_ref().clone()).collect(),
    };
    CoordinationParts {
        coordination,
        required,
        optional,
    }
}
