//! Who holds a port that was busy before a spawn, in words for coord's message: the listening
//! socket's inode from `/proc/net/tcp{,6}` matched to the descriptors of the processes coord may
//! inspect ([`crate::procfs`]). Only words: what to do about the busy port is the core's choice.

use std::collections::BTreeSet;

/// The longest command line quoted.
const MAX_COMMAND: usize = 120;

/// `held by pid 1234 (python3 -m http.server 8000)`, `held by another user's process`, or
/// `None` when no listening socket of the port is visible (nothing to name).
pub fn describe(port: u16) -> Option<String> {
    let inodes = crate::procfs::listening_inodes(port);
    let holder = if inodes.is_empty() {
        None
    } else {
        crate::procfs::socket_holder(&inodes)
    };
    words(&inodes, holder.map(|pid| (pid, command_of(pid))))
}

/// The words for a port whose listening sockets are `inodes`, held by `holder` (pid and
/// command) if it was found among the processes coord may inspect.
fn words(inodes: &BTreeSet<u64>, holder: Option<(u32, String)>) -> Option<String> {
    if inodes.is_empty() {
        return None;
    }
    Some(match holder {
        Some((pid, command)) if command.is_empty() => format!("held by pid {pid}"),
        Some((pid, command)) => format!("held by pid {pid} ({command})"),
        // Its socket exists but no process we may look into has it.
        None => "held by another user's process".to_owned(),
    })
}

/// The command line of `pid` (its name if the line is empty), cut to [`MAX_COMMAND`] characters.
fn command_of(pid: u32) -> String {
    let line = crate::procfs::cmdline(pid)
        .map(|argv| argv.join(" "))
        .filter(|l| !l.trim().is_empty())
        .or_else(|| crate::procfs::comm(pid))
        .unwrap_or_default();
    if line.chars().count() > MAX_COMMAND {
        let cut: String = line.chars().take(MAX_COMMAND).collect();
        format!("{cut}...")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_listener_is_named_with_our_pid_and_command() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let text = describe(port).expect("a listener to name");
        let me = std::process::id();
        assert!(text.starts_with(&format!("held by pid {me} (")), "{text}");
        drop(listener);
        // A child another test is forking may hold the closed listener for an instant; once
        // no listening socket of the port is left, nothing is named.
        crate::test_support::wait_for("the closed listener to be described as gone", || {
            describe(port).is_none()
        });
    }

    #[test]
    fn a_socket_nobody_visible_holds_is_another_users() {
        let inodes: BTreeSet<u64> = [42].into();
        assert_eq!(
            words(&inodes, None).as_deref(),
            Some("held by another user's process")
        );
        assert_eq!(
            words(&inodes, Some((7, "nc -l 8000".into()))).as_deref(),
            Some("held by pid 7 (nc -l 8000)")
        );
        assert_eq!(words(&BTreeSet::new(), None), None);
    }
}
