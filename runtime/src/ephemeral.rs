//! The load-time warning about ports in the kernel's ephemeral range
//! (`/proc/sys/net/ipv4/ip_local_port_range`): outgoing connections take their source ports
//! there, so such a port can be taken at any moment by any client on the machine, and a probe of
//! a port nobody listens on yet can connect to itself. Ports listed in
//! `ip_local_reserved_ports` are never picked as source ports and are not warned about.

use coord_core::Stack;
use coord_core::stack::{PortRange, PortSpec};
use std::io::Write;

const RANGE_FILE: &str = "/proc/sys/net/ipv4/ip_local_port_range";
const RESERVED_FILE: &str = "/proc/sys/net/ipv4/ip_local_reserved_ports";

/// The kernel's ephemeral ports minus its reserved ports, as disjoint inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ephemeral {
    /// `ip_local_port_range`.
    pub range: PortRange,
    /// `ip_local_reserved_ports`.
    pub reserved: Vec<PortRange>,
}

impl Ephemeral {
    /// Reads both files; None if the range cannot be read (not Linux, no /proc).
    pub fn of_this_machine() -> Option<Ephemeral> {
        let range = parse_range(&std::fs::read_to_string(RANGE_FILE).ok()?)?;
        let reserved = std::fs::read_to_string(RESERVED_FILE)
            .map(|t| parse_reserved(&t))
            .unwrap_or_default();
        Some(Ephemeral { range, reserved })
    }

    /// The ports of `r` that are ephemeral and not reserved, as (first, last) of the overlap.
    pub fn overlap(&self, r: PortRange) -> Option<PortRange> {
        let start = r.start.max(self.range.start);
        let end = r.end.min(self.range.end);
        if start > end {
            return None;
        }
        let unreserved = (start..=end).any(|p| !self.reserved.iter().any(|x| x.contains(p)));
        unreserved.then_some(PortRange { start, end })
    }
}

/// Parses `ip_local_port_range` (`32768\t60999`).
pub fn parse_range(text: &str) -> Option<PortRange> {
    let mut it = text.split_whitespace().map(|w| w.parse::<u16>().ok());
    let (start, end) = (it.next()??, it.next()??);
    (start <= end).then_some(PortRange { start, end })
}

/// Parses `ip_local_reserved_ports` (`8080,9000-9010`; empty when nothing is reserved).
pub fn parse_reserved(text: &str) -> Vec<PortRange> {
    text.trim()
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            let (a, b) = item.split_once('-').unwrap_or((item, item));
            let (start, end) = (a.parse().ok()?, b.parse().ok()?);
            (start <= end).then_some(PortRange { start, end })
        })
        .collect()
}

/// One warning per port range, fixed port and preferred port of `stack` (read from `file`,
/// whose `text` locates them) that lies in the ephemeral range: `file:line: warning: ...` plus
/// a `help:` line with the fix.
pub fn warnings(stack: &Stack, file: &str, text: &str, eph: &Ephemeral) -> Vec<String> {
    let kernel = format!(
        "the kernel's ephemeral port range {}-{} ({RANGE_FILE})",
        eph.range.start, eph.range.end
    );
    let help = |ports: &str| {
        format!(
            "  help: use ports below {} (or above {}), or reserve {ports} with `sysctl -w net.ipv4.ip_local_reserved_ports={ports}`",
            eph.range.start, eph.range.end
        )
    };
    let at = |line: Option<usize>| match line {
        Some(n) => format!("{file}:{n}"),
        None => file.to_owned(),
    };
    let mut out = Vec::new();
    let used: Vec<&str> = stack
        .services
        .iter()
        .filter_map(|s| match &s.port {
            Some(PortSpec::Allocated { range_name, .. }) => Some(range_name.as_str()),
            _ => None,
        })
        .collect();
    for (name, range) in &stack.port_ranges {
        let Some(o) = eph.overlap(*range) else {
            continue;
        };
        if !used.contains(&name.as_str()) && find_line(text, name, None).is_none() {
            // A default range nobody uses and the file does not mention.
            continue;
        }
        out.push(format!(
            "{}: warning: port range `{name}` ({}-{}) overlaps {kernel}: outgoing connections may take its ports, and a probe may connect to itself\n{}",
            at(find_line(text, name, None)),
            range.start,
            range.end,
            help(&format!("{}-{}", o.start, o.end))
        ));
    }
    for s in &stack.services {
        let (port, what) = match &s.port {
            Some(PortSpec::Fixed(p)) => (*p, "port"),
            Some(PortSpec::Allocated {
                preferred: Some(p), ..
            }) => (*p, "preferred port"),
            _ => continue,
        };
        if eph
            .overlap(PortRange {
                start: port,
                end: port,
            })
            .is_none()
        {
            continue;
        }
        let section = find_line(text, &s.name, Some("services"));
        out.push(format!(
            "{}: warning: service `{}`: {what} {port} lies in {kernel}: outgoing connections may take it, and a probe may connect to itself\n{}",
            at(section),
            s.name,
            help(&port.to_string())
        ));
    }
    out
}

/// Prints [`warnings`] for the stack file `file` to stderr (nothing if the kernel's range
/// cannot be read; write errors are ignored).
pub fn warn(stack: &Stack, file: &std::path::Path) {
    let Some(eph) = Ephemeral::of_this_machine() else {
        return;
    };
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    for w in warnings(stack, &file.display().to_string(), &text, &eph) {
        // A closed stderr must not stop coord: the warning is simply not seen.
        let _ = writeln!(err, "{w}");
    }
}

/// The 1-based line where `name` is defined: `name = ...` (ranges), or the `[section.name]`
/// header when `section` is given. A best effort for messages.
fn find_line(text: &str, name: &str, section: Option<&str>) -> Option<usize> {
    let quoted = format!("\"{name}\"");
    text.lines()
        .position(|line| {
            let l = line.trim_start();
            match section {
                Some(sec) => {
                    let header = l.trim_end();
                    header == format!("[{sec}.{name}]") || header == format!("[{sec}.{quoted}]")
                }
                None => [name, quoted.as_str()].iter().any(|key| {
                    l.strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                }),
            }
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eph(start: u16, end: u16, reserved: &str) -> Ephemeral {
        Ephemeral {
            range: PortRange { start, end },
            reserved: parse_reserved(reserved),
        }
    }

    #[test]
    fn the_proc_files_are_parsed() {
        assert_eq!(
            parse_range("32768\t60999\n"),
            Some(PortRange {
                start: 32768,
                end: 60999
            })
        );
        assert_eq!(parse_range("x"), None);
        assert_eq!(parse_reserved("\n"), vec![]);
        assert_eq!(
            parse_reserved("8080,40000-40010\n"),
            vec![
                PortRange {
                    start: 8080,
                    end: 8080
                },
                PortRange {
                    start: 40000,
                    end: 40010
                }
            ]
        );
    }

    #[test]
    fn overlaps_ignore_reserved_ports() {
        let e = eph(32768, 60999, "40000-40010");
        let r = |start, end| PortRange { start, end };
        assert_eq!(e.overlap(r(8000, 9000)), None);
        assert_eq!(e.overlap(r(30000, 33000)), Some(r(32768, 33000)));
        assert_eq!(e.overlap(r(40000, 40010)), None);
        assert_eq!(e.overlap(r(40000, 40011)), Some(r(40000, 40011)));
    }

    #[test]
    fn a_range_and_a_fixed_port_in_the_ephemeral_range_are_warned_at_their_lines() {
        let text = r#"[ports.ranges]
web = "8000-8010"
high = "40000-40100"

[services.api]
command = "true"
port = { range = "high" }

[services.db]
command = "true"
port = 45000

[services.ok]
command = "true"
port = 8001
"#;
        let stack = Stack::parse("s.toml", text).unwrap();
        let w = warnings(&stack, "s.toml", text, &eph(32768, 60999, ""));
        assert_eq!(w.len(), 2, "{w:#?}");
        assert!(
            w[0].starts_with("s.toml:3: warning: port range `high` (40000-40100) overlaps the kernel's ephemeral port range 32768-60999"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("help: use ports below 32768"), "{}", w[0]);
        assert!(
            w[0].contains("ip_local_reserved_ports=40000-40100"),
            "{}",
            w[0]
        );
        assert!(
            w[1].starts_with("s.toml:9: warning: service `db`: port 45000 lies in"),
            "{}",
            w[1]
        );
        // Reserving the ports silences both.
        let quiet = warnings(&stack, "s.toml", text, &eph(32768, 60999, "40000-45000"));
        assert!(quiet.is_empty(), "{quiet:#?}");
        // The defaults of a stack that uses none of them stay quiet even on a wide kernel range.
        let plain = Stack::parse("p.toml", "[services.a]\ncommand = \"true\"\n").unwrap();
        assert!(warnings(&plain, "p.toml", "", &eph(1024, 65535, "")).is_empty());
    }
}
