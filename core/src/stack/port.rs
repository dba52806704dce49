//! `port = 5432` / `port = { preferred, range }` -> [`PortSpec`].

use super::PortSpec;
use super::diagnostics::{Diagnostics, suggest};
use super::ranges::Ranges;
use super::raw::RawPort;
use super::tree::Spanned;
use super::values::port_number;

/// The range an allocated port comes from when the table names none.
pub(crate) const DEFAULT_RANGE: &str = "development";

/// Converts a port setting; `None` after an error.
pub(crate) fn port_spec(
    d: &mut Diagnostics,
    raw: &Spanned<RawPort>,
    ranges: &Ranges,
) -> Option<PortSpec> {
    match raw.get_ref() {
        RawPort::Number(n) => {
            port_number(d, "port", &Spanned::new(raw.span(), *n)).map(PortSpec::Fixed)
        }
        RawPort::Table(table) => {
            let preferred = match &table.preferred {
                Some(p) => Some(port_number(d, "preferred", p)?),
                None => None,
            };
            let range_name = table
                .range
                .as_ref()
                .map_or(DEFAULT_RANGE, |r| r.get_ref().as_str());
            if ranges.broken.contains(range_name) {
                return None;
            }
            let Some(range) = ranges.valid.get(range_name) else {
                let span = table.range.as_ref().map_or(raw.span(), |r| r.span());
                d.error(
                    span,
                    format!("unknown port range `{range_name}`"),
                    format!(
                        "{}; or define it under [ports.ranges], such as `{range_name} = \"8100-8199\"`",
                        suggest(range_name, "range", ranges.valid.keys().map(String::as_str))
                    ),
                );
                return None;
            };
            Some(PortSpec::Allocated {
                preferred,
                range_name: range_name.to_string(),
                range: *range,
            })
        }
    }
}
