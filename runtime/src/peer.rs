//! Who may talk to the control socket: only processes of the user running coord.
//!
//! The socket file is mode 0600, and on top of that every connection's peer uid is read with
//! `SO_PEERCRED` and compared with coord's own uid. root is refused by a coord of another user
//! too: root can read the socket file anyway, but coord keeps one rule (same uid or nothing)
//! instead of trusting a superuser it was not started by.

use std::os::fd::AsFd;

/// Whether a peer running as `peer_uid` may use the control socket of a coord running as
/// `own_uid`: only the same user. The error is the reply's message.
pub fn check_peer_uid(peer_uid: u32, own_uid: u32) -> Result<(), String> {
    if peer_uid == own_uid {
        Ok(())
    } else {
        Err(format!(
            "this coord runs as uid {own_uid} and only takes requests from that user (you are uid {peer_uid})"
        ))
    }
}

/// The uid of the process at the other end of a connected Unix socket (`SO_PEERCRED`).
pub fn peer_uid(socket: impl AsFd) -> std::io::Result<u32> {
    let cred = rustix::net::sockopt::socket_peercred(socket)?;
    Ok(cred.uid.as_raw())
}

/// coord's own (real) uid.
pub fn own_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_uid_is_let_in() {
        assert_eq!(check_peer_uid(1000, 1000), Ok(()));
        let other = check_peer_uid(1001, 1000).unwrap_err();
        assert!(
            other.contains("uid 1000") && other.contains("uid 1001"),
            "{other}"
        );
        // root talking to a non-root coord is refused as well.
        assert!(check_peer_uid(0, 1000).is_err());
        // A root coord takes requests from root only.
        assert!(check_peer_uid(1000, 0).is_err());
        assert_eq!(check_peer_uid(0, 0), Ok(()));
    }

    #[test]
    fn a_socket_pair_shows_our_own_uid() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
        assert_eq!(peer_uid(&a).expect("SO_PEERCRED"), own_uid());
        assert_eq!(check_peer_uid(peer_uid(&a).unwrap(), own_uid()), Ok(()));
    }
}
