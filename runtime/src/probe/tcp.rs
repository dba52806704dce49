//! The tcp probe: a connect to 127.0.0.1:port, then to [::1]:port (a dev server may listen on
//! `::1` only, which is what `localhost` resolves to for Node and Vite), attributed to the
//! service's process group. A connection to itself is never an answer.

use super::{attribute_listener, within};
use coord_core::ProbeOutcome;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The loopback addresses of `port` a probe tries, in order: 127.0.0.1, then ::1.
pub fn loopbacks(port: u16) -> [SocketAddr; 2] {
    [
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
    ]
}

/// Whether a connection whose ends are `local` and `peer` is a connection to itself: with
/// nothing listening on a port of the kernel's ephemeral range, `connect()` may pick that very
/// port as its source port and succeed by TCP simultaneous open.
pub fn is_self_connection(local: SocketAddr, peer: SocketAddr) -> bool {
    local == peer
}

/// Connects to `port` on 127.0.0.1, else on ::1. Ok: the stream and the address that answered;
/// Err: why neither did (a self-connection is closed with a reset, so it leaves no TIME_WAIT to
/// block the service's bind, and reported as a failure).
pub async fn connect(port: u16) -> Result<(async_net::TcpStream, SocketAddr), String> {
    let mut why = Vec::new();
    for addr in loopbacks(port) {
        match async_net::TcpStream::connect(addr).await {
            Ok(stream) => match self_connected(&stream) {
                None => return Ok((stream, addr)),
                Some(local) => {
                    let _ = rustix::net::sockopt::set_socket_linger(
                        &stream,
                        Some(std::time::Duration::ZERO),
                    );
                    why.push(format!(
                        "connected to itself on {local} (nothing listens yet; the port lies in the kernel's ephemeral range)"
                    ));
                }
            },
            Err(e) => why.push(format!("connect to {addr}: {e}")),
        }
    }
    Err(why.join("; "))
}

/// The local address of `stream` if it is connected to itself.
fn self_connected(stream: &async_net::TcpStream) -> Option<SocketAddr> {
    let local = stream.local_addr().ok()?;
    let peer = stream.peer_addr().ok()?;
    is_self_connection(local, peer).then_some(local)
}

/// Connects to `port` on a loopback within `timeout`; Success only if the listener belongs to
/// group `pgid` (attributed after the connect, outside the timeout).
pub async fn probe(pgid: u32, port: u16, timeout: Duration) -> ProbeOutcome {
    match within(timeout, async { connect(port).await.map(drop) }).await {
        Ok(()) => attribute_listener(pgid, port).await,
        Err(why) => ProbeOutcome::Failure(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A probe timeout no exchange on loopback comes near, however loaded the machine.
    const GENEROUS: Duration = Duration::from_secs(60);

    fn own_group() -> u32 {
        rustix::process::getpgrp().as_raw_nonzero().get() as u32
    }

    #[test]
    fn a_connection_to_itself_is_recognised() {
        let a: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        let six: SocketAddr = "[::1]:40000".parse().unwrap();
        assert!(is_self_connection(a, a));
        assert!(is_self_connection(six, six));
        assert!(!is_self_connection(b, a));
        assert!(!is_self_connection(six, a));
    }

    #[test]
    fn a_real_self_connection_is_detected() {
        // Make one for real: bind a socket to a port, then connect it to its own address (TCP
        // simultaneous open with itself), which is what connect() can stumble into when nothing
        // listens on an ephemeral port.
        use rustix::net::{AddressFamily, sockopt};
        let fd = crate::ports::tcp_socket(AddressFamily::INET).unwrap();
        sockopt::set_socket_reuseaddr(&fd, true).unwrap();
        rustix::net::bind(&fd, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
        let own = SocketAddr::try_from(rustix::net::getsockname(&fd).unwrap()).unwrap();
        rustix::net::connect(&fd, &own).unwrap();
        let stream = async_net::TcpStream::try_from(std::net::TcpStream::from(fd)).unwrap();
        assert_eq!(self_connected(&stream), Some(own));
    }

    #[test]
    fn a_listener_on_ipv6_loopback_only_is_reached() {
        // A port free on ::1 may be listened on at 127.0.0.1 by a parallel test (the two
        // addresses share port numbers): hold 127.0.0.1:port bound without listening, so a
        // connect there is refused and ::1 is the only address that answers.
        let (_listener, port, _held_v4) = loop {
            let Ok(listener) = TcpListener::bind("[::1]:0") else {
                eprintln!("skipped: no IPv6 loopback on this machine");
                return;
            };
            let port = listener.local_addr().unwrap().port();
            let v4 = crate::ports::tcp_socket(rustix::net::AddressFamily::INET).unwrap();
            if rustix::net::bind(&v4, &crate::ports::loopback(port)).is_ok() {
                break (listener, port, v4);
            }
        };
        assert_eq!(
            smol::block_on(probe(own_group(), port, GENEROUS)),
            ProbeOutcome::Success
        );
        let (_, answered) = smol::block_on(connect(port)).unwrap();
        assert_eq!(
            answered,
            "[::1]:0"
                .parse::<SocketAddr>()
                .map(|mut a| {
                    a.set_port(port);
                    a
                })
                .unwrap()
        );
    }

    #[test]
    fn refused_is_a_failure_and_our_listener_a_success() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(
            smol::block_on(probe(own_group(), port, GENEROUS)),
            ProbeOutcome::Success
        );
        // The same listener seen from another process group is an outsider.
        let mut other = crate::test_support::other_group();
        assert!(matches!(
            smol::block_on(probe(other.id(), port, GENEROUS)),
            ProbeOutcome::Outsider(_)
        ));
        other.kill().unwrap();
        other.wait().unwrap();
        drop(listener);
        // A port bound but not listening (without SO_REUSEADDR, so no parallel test can take
        // it): connecting is refused.
        let held = crate::ports::tcp_socket(rustix::net::AddressFamily::INET).unwrap();
        rustix::net::bind(&held, &crate::ports::loopback(0)).unwrap();
        let closed = std::net::SocketAddr::try_from(rustix::net::getsockname(&held).unwrap())
            .unwrap()
            .port();
        let outcome = smol::block_on(probe(own_group(), closed, GENEROUS));
        assert!(matches!(outcome, ProbeOutcome::Failure(_)), "{outcome:?}");
    }
}
