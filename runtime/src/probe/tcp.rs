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
        assert!(matches!(
            smol::block_on(probe(1, port)),
            ProbeOutcome::Outsider(_)
        ));
        drop(listener);
        assert!(matches!(
            smol::block_on(probe(own_group(), port)),
            ProbeOutcome::Failure(_)
        ));
    }
}
