//! Readiness and liveness probes, one attempt each: `tcp`, `http` and `exec` run here as async
//! tasks; `log` and `notify` are answered by the driver from what the attempt has printed or
//! sent (see [`notify`]). Probes report facts, the core decides what they mean: a tcp or http
//! probe answered by a listener outside the service's process group is an
//! [`ProbeOutcome::Outsider`], one answered with no listener to attribute is
//! [`ProbeOutcome::Unattributable`].

pub mod exec;
pub mod http;
pub mod notify;
pub mod tcp;

use crate::procfs::ListenerOwner;
use coord_core::ProbeOutcome;
use std::future::Future;
use std::time::Duration;

/// Runs a probe's exchange with the port, giving up with an error after `timeout`. Only the
/// exchange is timed: attributing the listener afterwards reads `/proc`, which takes longer on a
/// loaded machine with many processes, and a verdict the service earned must not be lost to it
/// (the core still bounds the whole probe with its own deadline).
pub async fn within<T>(
    timeout: Duration,
    exchange: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    futures_lite::future::or(exchange, async {
        async_io::Timer::after(timeout).await;
        Err(format!("probe timed out after {}", fmt_duration(timeout)))
    })
    .await
}

/// After something answered on `port`: Success if the listener belongs to process group `pgid`,
/// Outsider (naming the owner when it can be found) if it belongs to someone else, and
/// Unattributable when no listener of the port is visible at all (it answered, then went away).
pub async fn attribute_listener(pgid: u32, port: u16) -> ProbeOutcome {
    // The fast check runs inline (well under a millisecond); naming an outsider may have to
    // read every socket of the machine, so that runs off the loop's thread.
    let owner = match crate::procfs::group_listens(pgid, port) {
        Some(true) => ListenerOwner::Group,
        _ => smol::unblock(move || crate::procfs::listener_owner(pgid, port)).await,
    };
    match owner {
        ListenerOwner::Group => ProbeOutcome::Success,
        ListenerOwner::Unknown => ProbeOutcome::Unattributable(format!(
            "port {port} answered, but no listener of the service's process group is seen on it"
        )),
        ListenerOwner::Outsider(Some((pid, name))) => ProbeOutcome::Outsider(format!(
            "port {port} is answered by pid {pid} ({name}), outside the service's process group"
        )),
        ListenerOwner::Outsider(None) => ProbeOutcome::Outsider(format!(
            "port {port} is answered by a process outside the service's process group"
        )),
    }
}

/// `1.5s`, `250ms`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms >= 1000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_that_hangs_times_out() {
        let outcome: Result<(), String> = smol::block_on(within(
            Duration::from_millis(20),
            futures_lite::future::pending(),
        ));
        assert_eq!(outcome, Err("probe timed out after 20ms".into()));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(Duration::from_secs(2)), "2s");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_duration(Duration::from_millis(5)), "5ms");
    }
}
