//! The tcp probe: a connect to 127.0.0.1:port, attributed to the service's process group.

use super::attribute_listener;
use crate::ports::loopback;
use coord_core::ProbeOutcome;

/// Connects to 127.0.0.1:`port`; Success only if the listener belongs to group `pgid`.
pub async fn probe(pgid: u32, port: u16) -> ProbeOutcome {
    match async_net::TcpStream::connect(loopback(port)).await {
        Ok(stream) => {
            drop(stream);
            attribute_listener(pgid, port).await
        }
        Err(e) => ProbeOutcome::Failure(format!("connect to 127.0.0.1:{port}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn own_group() -> u32 {
        rustix::process::getpgrp().as_raw_nonzero().get() as u32
    }

    #[test]
    fn refused_is_a_failure_and_our_listener_a_success() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(
            smol::block_on(probe(own_group(), port)),
            ProbeOutcome::Success
        );
        // The same listener seen from another process group is an outsider.
        let mut other = crate::procfs::tests::other_group();
        assert!(matches!(
            smol::block_on(probe(other.id(), port)),
            ProbeOutcome::Outsider(_)
        ));
        other.kill().unwrap();
        other.wait().unwrap();
        drop(listener);
        // A port bound but not listening (without SO_REUSEADDR, so no parallel test can take
        // it): connecting is refused.
        let held = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::STREAM,
            None,
        )
        .unwrap();
        rustix::net::bind(&held, &crate::ports::loopback(0)).unwrap();
        let closed = std::net::SocketAddr::try_from(rustix::net::getsockname(&held).unwrap())
            .unwrap()
            .port();
        let outcome = smol::block_on(probe(own_group(), closed));
        assert!(matches!(outcome, ProbeOutcome::Failure(_)), "{outcome:?}");
    }
}
