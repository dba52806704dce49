//! What coord reads of Linux `/proc`: process groups, start times, command lines and
//! environments, process trees, and which processes hold the listening socket of a port (for
//! outsider detection).
//!
//! Parsing is the `procfs` crate's (it copes with a command name holding spaces or parentheses
//! and with kernels that add fields); what it lacks is here: duplicating a process's sockets with
//! `pidfd_getfd` to ask them directly, and walking a whole tree.

use procfs::process::{FDTarget, Process};
use rustix::process::Pid;
use std::collections::BTreeSet;

fn process(pid: u32) -> Option<Process> {
    Process::new(i32::try_from(pid).ok()?).ok()
}

fn stat(pid: u32) -> Option<procfs::process::Stat> {
    process(pid)?.stat().ok()
}

/// The pids of every live process whose process group is `pgid`, ascending.
pub fn group_members(pgid: u32) -> Vec<u32> {
    // Read from /proc rather than getpgid(2): kernel threads have a process group of 0.
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = all
        .flatten()
        .filter_map(|p| {
            let st = p.stat().ok()?;
            (u32::try_from(st.pgrp).ok()? == pgid).then_some(u32::try_from(st.pid).ok()?)
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// Whether any process of group `pgid` is still alive (zombies included).
pub fn group_alive(pgid: u32) -> bool {
    match Pid::from_raw(pgid as i32) {
        // Signal 0 checks existence and permission without sending anything.
        Some(p) => rustix::process::test_kill_process_group(p).is_ok(),
        None => false,
    }
}

/// Every pid listed in `/proc`, ascending.
pub fn all_pids() -> Vec<u32> {
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = all
        .flatten()
        .filter_map(|p| u32::try_from(p.pid()).ok())
        .collect();
    pids.sort_unstable();
    pids
}

/// The start time of `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`): with the
/// pid it identifies one process across pid reuse.
pub fn start_time(pid: u32) -> Option<u64> {
    Some(stat(pid)?.starttime)
}

/// The process group of `pid` (field 5 of `/proc/<pid>/stat`).
pub fn pgid(pid: u32) -> Option<u32> {
    u32::try_from(stat(pid)?.pgrp).ok()
}

/// The parent of `pid` (field 4 of `/proc/<pid>/stat`).
pub fn ppid(pid: u32) -> Option<u32> {
    u32::try_from(stat(pid)?.ppid).ok()
}

/// Whether `pid` is a zombie (ended, not yet reaped).
pub fn is_zombie(pid: u32) -> bool {
    stat(pid).is_some_and(|st| st.state == 'Z')
}

/// The command line of `pid`, split at NULs.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    process(pid)?.cmdline().ok()
}

/// The short name of `pid` (`/proc/<pid>/comm`).
pub fn comm(pid: u32) -> Option<String> {
    Some(stat(pid)?.comm)
}

/// The value of the environment variable `name` in the environment `pid` was started with
/// (readable only for our own user's processes).
pub fn env_var(pid: u32, name: &str) -> Option<String> {
    let env = process(pid)?.environ().ok()?;
    env.get(std::ffi::OsStr::new(name))
        .map(|v| v.to_string_lossy().into_owned())
}

/// Inodes of the TCP sockets listening on `port` (any address, IPv4 and IPv6).
pub fn listening_inodes(port: u16) -> BTreeSet<u64> {
    let tables = [procfs::net::tcp(), procfs::net::tcp6()];
    tables
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.state == procfs::net::TcpState::Listen && e.local_address.port() == port)
        .map(|e| e.inode)
        .collect()
}

/// Socket inodes among the open file descriptors of `pid`.
pub fn socket_inodes(pid: u32) -> BTreeSet<u64> {
    let Some(fds) = process(pid).and_then(|p| p.fd().ok()) else {
        return BTreeSet::new();
    };
    fds.flatten()
        .filter_map(|fd| match fd.target {
            FDTarget::Socket(inode) => Some(inode),
            _ => None,
        })
        .collect()
}

/// Who listens on `port`, seen from the process group `pgid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerOwner {
    /// A process of the group holds a listening socket of the port.
    Group,
    /// No listening socket of the port is visible (nothing to attribute).
    Unknown,
    /// The listening socket is held outside the group: by this process if it could be found.
    Outsider(Option<(u32, String)>),
}

/// Whether the group's own processes listen on `port`: `Some(true)` / `Some(false)`, or `None`
/// when some member could not be inspected (then only [`listener_owner`] can tell).
///
/// Fast path: the service's processes are found by walking the shim's descendants (the service's
/// tree, whatever group a descendant moved to), then by a scan of every process for members of
/// the group outside the tree, and each socket descriptor they hold is duplicated
/// with `pidfd_getfd` and asked for its local port and whether it listens. This never reads
/// `/proc/net/tcp`, whose size grows with every socket on the machine (TIME_WAIT included).
pub fn group_listens(pgid: u32, port: u16) -> Option<bool> {
    let mut checked = BTreeSet::new();
    let mut blind = false;
    let mut visit = |pid: u32, blind: &mut bool| -> bool {
        if !checked.insert(pid) {
            return false;
        }
        match process_listens(pid, port) {
            Some(found) => found,
            None => {
                *blind = true;
                false
            }
        }
    };
    for pid in descendants(pgid) {
        if visit(pid, &mut blind) {
            return Some(true);
        }
    }
    for pid in group_members(pgid) {
        if visit(pid, &mut blind) {
            return Some(true);
        }
    }
    if blind { None } else { Some(false) }
}

/// Whether `pid` holds a socket listening on `port`; `None` if its descriptors cannot be
/// duplicated (no permission, or a kernel without `pidfd_getfd`).
pub fn process_listens(pid: u32, port: u16) -> Option<bool> {
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, pidfd_getfd, pidfd_open};
    let target = Pid::from_raw(pid as i32)?;
    let pidfd = match pidfd_open(target, PidfdFlags::empty()) {
        Ok(fd) => fd,
        // Gone already: it holds nothing.
        Err(rustix::io::Errno::SRCH) => return Some(false),
        Err(_) => return None,
    };
    let Some(fds) = process(pid).and_then(|p| p.fd().ok()) else {
        return Some(false);
    };
    for fd in fds.flatten() {
        if !matches!(fd.target, FDTarget::Socket(_)) {
            continue;
        }
        let fd = fd.fd;
        let dup = match pidfd_getfd(&pidfd, fd, PidfdGetfdFlags::empty()) {
            Ok(dup) => dup,
            Err(rustix::io::Errno::BADF) | Err(rustix::io::Errno::SRCH) => continue,
            Err(_) => return None,
        };
        let listening = rustix::net::sockopt::socket_acceptconn(&dup).unwrap_or(false);
        let local = rustix::net::getsockname(&dup)
            .ok()
            .and_then(|a| std::net::SocketAddr::try_from(a).ok());
        if listening && local.is_some_and(|a| a.port() == port) {
            return Some(true);
        }
    }
    Some(false)
}

/// Whether this kernel lists children in `/proc/<pid>/task/<tid>/children`
/// (`CONFIG_PROC_CHILDREN`); without it [`descendants`] only knows the root.
pub fn children_listed() -> bool {
    let me = std::process::id();
    std::path::Path::new(&format!("/proc/{me}/task/{me}/children")).exists()
}

/// The children of `pid`, of every one of its threads.
pub fn children(pid: u32) -> Vec<u32> {
    let Some(tasks) = process(pid).and_then(|p| p.tasks().ok()) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| t.children().ok())
        .flatten()
        .collect()
}

/// `root` and its descendants (through `/proc/<pid>/task/<tid>/children`), breadth first.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let mut next = 0;
    while next < out.len() {
        let pid = out[next];
        next += 1;
        let Some(tasks) = process(pid).and_then(|p| p.tasks().ok()) else {
            continue;
        };
        for task in tasks.flatten() {
            if let Ok(children) = task.children() {
                out.extend(children);
            }
        }
        if out.len() > 100_000 {
            break;
        }
    }
    out
}

/// Decides whether the listener of `port` belongs to process group `pgid`: the fast check of
/// [`group_listens`] first; the slow way (socket inodes from `/proc/net/tcp*` matched to the
/// descriptors of every process) to name an outsider or when the group cannot be inspected.
pub fn listener_owner(pgid: u32, port: u16) -> ListenerOwner {
    match group_listens(pgid, port) {
        Some(true) => ListenerOwner::Group,
        // Not (visibly) the group's: let the socket table say who it is, or that the listener
        // is gone (nothing to attribute).
        _ => listener_owner_by_inode(pgid, port),
    }
}

/// The slow attribution: listening socket inodes of `port` from `/proc/net/tcp{,6}`, matched to
/// the descriptors of the group's processes, then of every process to name the owner.
pub fn listener_owner_by_inode(pgid: u32, port: u16) -> ListenerOwner {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return ListenerOwner::Unknown;
    }
    for pid in group_members(pgid) {
        if !socket_inodes(pid).is_disjoint(&inodes) {
            return ListenerOwner::Group;
        }
    }
    // Only on this (rare) path: look for the owner among every process we may inspect.
    let owner = socket_holder(&inodes).map(|pid| (pid, comm(pid).unwrap_or_default()));
    ListenerOwner::Outsider(owner)
}

/// The process to name as the holder of one of the sockets `inodes`, among every process coord
/// may inspect: the topmost of the holders' tree ([`topmost_holder`]), not merely the lowest
/// pid. A socket is shared by every process that inherited it: the workers of a pre-forking
/// server, or a child caught between its fork and its exec (which holds a copy of every
/// descriptor of its parent for that instant, and whose pid may be the lower one once pids
/// wrapped around).
pub fn socket_holder(inodes: &BTreeSet<u64>) -> Option<u32> {
    let holders: Vec<(u32, Option<u32>)> = all_pids()
        .into_iter()
        .filter(|&pid| !socket_inodes(pid).is_disjoint(inodes))
        .map(|pid| (pid, ppid(pid)))
        .collect();
    topmost_holder(&holders)
}

/// Among `holders` (pid and parent pid): the lowest pid whose parent does not hold the socket
/// too, i.e. the process that passed it on rather than one that inherited it.
pub fn topmost_holder(holders: &[(u32, Option<u32>)]) -> Option<u32> {
    let pids: BTreeSet<u32> = holders.iter().map(|&(pid, _)| pid).collect();
    holders
        .iter()
        .filter(|(_, parent)| !parent.is_some_and(|p| pids.contains(&p)))
        .map(|&(pid, _)| pid)
        .min()
        // Every holder's parent holds it too (impossible in a tree): the lowest pid.
        .or_else(|| pids.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{other_group, wait_for, wait_port_closed};
    use std::net::TcpListener;

    #[test]
    fn our_own_listener_belongs_to_our_group_and_not_to_another() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let own_group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
        assert_eq!(listener_owner(own_group, port), ListenerOwner::Group);
        // Seen from another group (a child in its own group), the listener is an outsider,
        // and we are named as its owner.
        let mut other = other_group();
        match listener_owner(other.id(), port) {
            ListenerOwner::Outsider(Some((pid, _))) => assert_eq!(pid, std::process::id()),
            owner => panic!("expected an outsider, got {owner:?}"),
        }
        assert_eq!(group_listens(other.id(), port), Some(false));
        other.kill().unwrap();
        other.wait().unwrap();
        assert_eq!(group_listens(own_group, port), Some(true));
        assert_eq!(group_listens(own_group, port.wrapping_add(1)), Some(false));
        drop(listener);
        // A child another test is forking may hold the closed listener for an instant.
        wait_port_closed(port);
        wait_for("our group to hold no listener of the port", || {
            group_listens(own_group, port) == Some(false)
        });
        assert_eq!(
            listener_owner_by_inode(own_group, port),
            ListenerOwner::Unknown
        );
    }

    #[test]
    fn the_holder_named_is_the_one_that_passed_the_socket_on() {
        // Pids wrapped around: the child (forked, not yet exec'd, or a pre-forked worker) got
        // a lower pid than its parent, which created the socket.
        let parent = (31_000, Some(1));
        let child = (120, Some(31_000));
        assert_eq!(topmost_holder(&[child, parent]), Some(31_000));
        // Two unrelated holders: the lower pid.
        assert_eq!(topmost_holder(&[(300, Some(1)), (200, Some(2))]), Some(200));
        assert_eq!(topmost_holder(&[(5, None)]), Some(5));
        assert_eq!(topmost_holder(&[]), None);
    }

    #[test]
    fn a_socket_shared_with_a_child_names_us() {
        // A child that keeps our listening socket (inherited, not closed by its exec).
        use std::os::fd::{AsRawFd, BorrowedFd};
        use std::os::unix::process::CommandExt;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fd = listener.as_raw_fd();
        let mut command = std::process::Command::new("sleep");
        command.arg("30").stdin(std::process::Stdio::null());
        #[allow(unsafe_code)]
        // SAFETY: runs in the child between fork and exec; one fcntl (async-signal-safe) on a
        // descriptor the listener keeps open for the whole spawn.
        unsafe {
            command.pre_exec(move || {
                let fd = BorrowedFd::borrow_raw(fd);
                rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty())?;
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap();
        let inodes = listening_inodes(port);
        wait_for("the child to hold our listener", || {
            !socket_inodes(child.id()).is_disjoint(&inodes)
        });
        assert_eq!(socket_holder(&inodes), Some(std::process::id()));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn descendants_include_a_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let me = std::process::id();
        assert!(descendants(me).contains(&child.id()));
        assert_eq!(descendants(me)[0], me);
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn reads_our_own_process_facts() {
        let me = std::process::id();
        assert!(start_time(me).is_some());
        assert!(!cmdline(me).unwrap().is_empty());
        let g = pgid(me).unwrap();
        assert!(group_members(g).contains(&me));
        assert!(group_alive(g));
        assert!(!is_zombie(me));
    }
}
