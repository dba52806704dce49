//! Killing a process tree until nothing of it is left.
//!
//! One snapshot and one `SIGKILL` per member is not enough: a member that forks between the
//! snapshot and its kill leaves a child nobody saw (a daemon that replaces itself every
//! millisecond escapes that way). Every pass therefore first freezes what it sees (`SIGSTOP`: a
//! stopped process cannot fork), then kills it, then looks again, until a few passes in a row find
//! nothing.

use rustix::process::{Pid, Signal};
use std::time::{Duration, Instant};

/// How long [`kill_until_empty`] keeps trying before it gives up on what it cannot kill (a
/// process of another user, or one stuck in the kernel).
const PATIENCE: Duration = Duration::from_secs(30);

/// How many passes in a row must find nothing before the tree counts as empty.
const QUIET_PASSES: u32 = 3;

/// Freezes and kills, pass after pass, every process that `members` lists (it is called again
/// on every pass, so it sees what the tree became), until a few passes in a row list none.
/// `reap` runs after every pass (a subreaper reaps what it adopted there). Returns what could
/// not be killed: members we have no permission to signal, and, if patience ran out, what was
/// still there. Zombies do not count: they run no code; pid 1 and the caller itself are never
/// signalled.
pub fn kill_until_empty(mut members: impl FnMut() -> Vec<u32>, mut reap: impl FnMut()) -> Vec<u32> {
    let deadline = Instant::now() + PATIENCE;
    let me = std::process::id();
    // What we may not signal (another user's, a setuid program): trying again cannot help.
    let mut forbidden: Vec<u32> = Vec::new();
    let mut passes = 0u32;
    let mut quiet = 0;
    loop {
        let mut left = members();
        // Never init, never ourselves, whatever the caller listed.
        left.retain(|&p| {
            p > 1 && p != me && !forbidden.contains(&p) && !crate::procfs::is_zombie(p)
        });
        if left.is_empty() {
            // A process may be between parents when we look (its parent just died and it is
            // being re-parented to a subreaper): only a few empty passes in a row mean empty.
            quiet += 1;
            if quiet >= QUIET_PASSES {
                return forbidden;
            }
            reap();
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        quiet = 0;
        let pids: Vec<Pid> = left
            .iter()
            .filter_map(|&p| Pid::from_raw(p as i32))
            .collect();
        // Freeze first: a stopped process cannot fork any more, so the kill below reaches
        // everything this pass saw, and the next pass only has to find what was born meanwhile.
        for &pid in &pids {
            let _ = rustix::process::kill_process(pid, Signal::STOP);
        }
        for &pid in &pids {
            if let Err(rustix::io::Errno::PERM) = rustix::process::kill_process(pid, Signal::KILL) {
                forbidden.push(pid.as_raw_nonzero().get() as u32);
            }
        }
        reap();
        if Instant::now() >= deadline {
            left.extend(forbidden);
            return left;
        }
        // Killed processes take a moment to go: do not spin on a loaded machine.
        passes += 1;
        if passes < 100 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn a_group_of_sleepers_is_emptied() {
        let mut leader = std::process::Command::new("sh")
            .arg("-c")
            .arg("sleep 30 & sleep 30 & wait")
            .process_group(0)
            .spawn()
            .unwrap();
        let group = leader.id();
        // Wait until the shell has started its two sleepers.
        let deadline = Instant::now() + Duration::from_secs(60);
        while crate::procfs::group_members(group).len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let left = kill_until_empty(
            || {
                let mut m = crate::procfs::group_members(group);
                m.retain(|&p| p != std::process::id());
                m
            },
            || {
                let _ = leader.try_wait();
            },
        );
        assert!(left.is_empty(), "{left:?}");
        leader.wait().unwrap();
    }
}
