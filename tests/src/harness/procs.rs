//! Whether processes are still alive, and waiting (on the condition, never a fixed sleep) for
//! them to be gone.

use std::time::{Duration, Instant};

/// Whether `pid` names a live process. A zombie (exited, not yet reaped) counts as gone: it runs
/// no code and holds no port.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Waits until none of `pids` is alive, checking every 10 ms for at most `patience`. Returns
/// the ones still alive when patience ran out.
pub fn wait_all_gone(pids: &[u32], patience: Duration) -> Result<(), Vec<u32>> {
    let deadline = Instant::now() + patience;
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(left);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` to `pid`, ignoring a process that is already gone.
pub fn signal(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// The command line of `pid` (arguments joined by spaces), for messages about survivors.
pub fn describe(pid: u32) -> String {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => format!(
            "{pid} ({})",
            String::from_utf8_lossy(&raw).replace('\0', " ").trim_end()
        ),
        Err(_) => format!("{pid} (gone)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_not() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid));
        assert_eq!(wait_all_gone(&[pid], Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn a_zombie_counts_as_gone() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Not reaped yet: wait for the exit through the condition itself.
        assert_eq!(wait_all_gone(&[pid], Duration::from_secs(30)), Ok(()));
        child.wait().unwrap();
    }

    #[test]
    fn a_running_process_is_reported_as_left() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert_eq!(
            wait_all_gone(&[pid], Duration::from_millis(50)),
            Err(vec![pid])
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
