//! `[ports.ranges]` -> named [`PortRange`]s: syntax `"START-END"`, bounds 1-65535, and no partial
//! overlap between two ranges (nesting, as `backend_services` inside `development`, is fine).

use super::diagnostics::Diagnostics;
use super::raw::RawPorts;
use super::values::is_plain_name;
use super::{PortRange, default_port_ranges};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// The port ranges of a stack.
pub(crate) struct Ranges {
    /// The valid ranges by name, defaults included.
    pub valid: BTreeMap<String, PortRange>,
    /// Names of ranges the file defines with an error (already reported): using them is not
    /// reported again.
    pub broken: BTreeSet<String>,
}

/// The four default ranges, overridden or extended by the file's `[ports.ranges]`.
pub(crate) fn port_ranges(d: &mut Diagnostics, raw: Option<RawPorts>) -> Ranges {
    let mut ranges = default_port_ranges();
    let mut broken = BTreeSet::new();
    // Where each range the file defines was written; defaults have no place in the file.
    let mut written: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let entries = raw.and_then(|p| p.ranges).map(|k| k.0).unwrap_or_default();
    for (name, value) in entries {
        if !is_plain_name(name.get_ref()) {
            d.error_at(
                &name,
                format!(
                    "range name `{}` has characters other than letters, digits, `-` and `_`",
                    name.get_ref()
                ),
                "rename the range, such as `api_services = \"8100-8199\"`",
            );
        }
        match parse_range(value.get_ref()) {
            Ok(range) => {
                ranges.insert(name.get_ref().clone(), range);
                written.insert(name.get_ref().clone(), value.span());
            }
            Err((message, help)) => {
                d.error_at(
                    &value,
                    format!("range `{}`: {message}", name.get_ref()),
                    help,
                );
                ranges.remove(name.get_ref());
                broken.insert(name.get_ref().clone());
            }
        }
    }
    check_overlaps(d, &ranges, &written);
    Ranges {
        valid: ranges,
        broken,
    }
}

/// Parses `"8000-8010"`.
fn parse_range(text: &str) -> Result<PortRange, (String, String)> {
    let example =
        "write `\"START-END\"` with START <= END, both from 1 to 65535, such as `\"8000-8010\"`";
    let malformed = || (format!("`{text}` is not a port range"), example.to_string());
    let (start, end) = text.split_once('-').ok_or_else(malformed)?;
    let start: u32 = start.trim().parse().map_err(|_| malformed())?;
    let end: u32 = end.trim().parse().map_err(|_| malformed())?;
    let port = |n: u32| u16::try_from(n).ok().filter(|&p| p != 0);
    let (Some(start), Some(end)) = (port(start), port(end)) else {
        return Err((
            format!("`{text}` goes outside the ports 1-65535"),
            example.to_string(),
        ));
    };
    if start > end {
        return Err((
            format!("`{text}` is empty: it starts after it ends"),
            format!("write the lower port first: `\"{end}-{start}\"`"),
        ));
    }
    Ok(PortRange { start, end })
}

/// Reports every pair of ranges that overlap without one containing the other, at the range
/// written later in the file (a default range is never the one reported).
fn check_overlaps(
    d: &mut Diagnostics,
    ranges: &BTreeMap<String, PortRange>,
    written: &BTreeMap<String, Range<usize>>,
) {
    let place = |name: &str| written.get(name).map(|span| span.start);
    for (a, ra) in ranges {
        for (b, rb) in ranges.range::<String, _>((
            std::ops::Bound::Excluded(a.clone()),
            std::ops::Bound::Unbounded,
        )) {
            let overlap = ra.start.max(rb.start) <= ra.end.min(rb.end);
            let nested = (ra.start <= rb.start && rb.end <= ra.end)
                || (rb.start <= ra.start && ra.end <= rb.end);
            if !overlap || nested {
                continue;
            }
            // Report at the later written one; the other is named in the message.
            let (here, other, r_here, r_other) = match (place(a), place(b)) {
                (Some(pa), Some(pb)) if pa > pb => (a, b, ra, rb),
                (Some(_), Some(_)) | (None, Some(_)) => (b, a, rb, ra),
                (Some(_), None) => (a, b, ra, rb),
                (None, None) => continue,
            };
            let origin = if written.contains_key(other) {
                "range"
            } else {
                "default range"
            };
            d.error(
                written[here].clone(),
                format!(
                    "range `{here}` ({}-{}) partly overlaps {origin} `{other}` ({}-{})",
                    r_here.start, r_here.end, r_other.start, r_other.end
                ),
                format!(
                    "ranges may nest (one inside the other) or be apart, not overlap in part: make `{here}` lie inside `{other}`, contain it, or end before {} / start after {}",
                    r_other.start, r_other.end
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges() {
        assert_eq!(
            parse_range("8000-8010"),
            Ok(PortRange {
                start: 8000,
                end: 8010
            })
        );
        assert_eq!(
            parse_range(" 1 - 65535 "),
            Ok(PortRange {
                start: 1,
                end: 65535
            })
        );
        assert_eq!(
            parse_range("8000-8000"),
            Ok(PortRange {
                start: 8000,
                end: 8000
            })
        );
        assert!(parse_range("8010-8000").unwrap_err().0.contains("empty"));
        assert!(
            parse_range("8000")
                .unwrap_err()
                .0
                .contains("not a port range")
        );
        assert!(
            parse_range("a-b")
                .unwrap_err()
                .0
                .contains("not a port range")
        );
        assert!(parse_range("0-10").unwrap_err().0.contains("outside"));
        assert!(parse_range("9000-70000").unwrap_err().0.contains("outside"));
    }

    #[test]
    fn defaults_nest_and_pass() {
        let mut d = Diagnostics::new("f", "");
        let ranges = port_ranges(&mut d, None);
        assert!(d.is_empty());
        assert_eq!(ranges.valid, default_port_ranges());
        assert!(ranges.broken.is_empty());
    }

    #[test]
    fn partial_overlap_is_reported_nesting_is_not() {
        let mut d = Diagnostics::new("f", "x\ny\n");
        let mut ranges = default_port_ranges();
        ranges.insert(
            "inner".into(),
            PortRange {
                start: 8001,
                end: 8005,
            },
        );
        ranges.insert(
            "half".into(),
            PortRange {
                start: 9990,
                end: 10010,
            },
        );
        let written: BTreeMap<String, Range<usize>> =
            [("inner".to_string(), 0..1), ("half".to_string(), 2..3)]
                .into_iter()
                .collect();
        check_overlaps(&mut d, &ranges, &written);
        let errors = d.into_errors().0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains(
            "`half` (9990-10010) partly overlaps default range `development` (8000-9999)"
        ));
    }
}
