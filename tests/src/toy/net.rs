//! Getting a listener (bound here, or inherited by socket activation), the outsider's port hold,
//! URL reachability checks and sd_notify.

use std::net::{Ipv4Addr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use super::events::Events;

/// Binds 127.0.0.1:`port`, emits `listening port=N` (the real port, also for 0) and only then
/// starts listening: nothing can connect before the event is written, so the events file orders
/// "listening" before any effect of a successful TCP probe.
pub fn bind_and_listen(port: u16, events: &Events) -> std::io::Result<TcpListener> {
    bind_and_listen_on(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), port, events)
}

/// [`bind_and_listen`] on `ip` (an IPv6 address is bound v6-only: `[::1]` alone).
pub fn bind_and_listen_on(
    ip: std::net::IpAddr,
    port: u16,
    events: &Events,
) -> std::io::Result<TcpListener> {
    use rustix::net::{AddressFamily, SocketType, sockopt};
    let family = if ip.is_ipv6() {
        AddressFamily::INET6
    } else {
        AddressFamily::INET
    };
    let fd = rustix::net::socket(family, SocketType::STREAM, None)?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    if ip.is_ipv6() {
        sockopt::set_ipv6_v6only(&fd, true)?;
    }
    rustix::net::bind(&fd, &std::net::SocketAddr::new(ip, port))?;
    let bound = std::net::SocketAddr::try_from(rustix::net::getsockname(&fd)?)
        .map_err(|_| std::io::Error::other("bound address is not IP"))?;
    events.emit("listening", &format!("port={}", bound.port()));
    rustix::net::listen(&fd, 128)?;
    Ok(TcpListener::from(fd))
}

/// The listener passed by socket activation (`LISTEN_FDS`, fd 3), with its port.
pub fn activated_listener() -> Result<(TcpListener, u16), String> {
    let mut fds = listenfd::ListenFd::from_env();
    let listener = fds
        .take_tcp_listener(0)
        .map_err(|e| format!("LISTEN_FDS fd 3 is not a TCP listener: {e}"))?
        .ok_or("no listener in LISTEN_FDS (is LISTEN_PID this process?)")?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    Ok((listener, port))
}

/// The `host:port` of a URL such as `postgres://user@127.0.0.1:5432/db` or `http://h:80`.
pub fn url_host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = host_port.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    (!host.is_empty()).then(|| host_port.to_string())
}

/// Connects once to the host:port of the URL in `$var`; the error says what went wrong.
pub fn check_url(var: &str) -> Result<(), String> {
    let url = std::env::var(var).map_err(|_| format!("{var} is not set"))?;
    let hp = url_host_port(&url).ok_or_else(|| format!("{var}={url} has no host:port"))?;
    let addr = hp
        .to_socket_addrs()
        .map_err(|e| format!("{var}={url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{var}={url}: no address"))?;
    TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map(drop)
        .map_err(|e| format!("{var}={url}: {e}"))
}

/// Sends `READY=1` to `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
pub fn notify_ready() -> Result<(), String> {
    let target = std::env::var("NOTIFY_SOCKET").map_err(|_| "NOTIFY_SOCKET is not set")?;
    let sock = UnixDatagram::unbound().map_err(|e| e.to_string())?;
    let sent = match target.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
                .map_err(|e| e.to_string())?;
            sock.send_to_addr(b"READY=1", &addr)
        }
        None => sock.send_to(b"READY=1", &target),
    };
    sent.map(drop)
        .map_err(|e| format!("NOTIFY_SOCKET={target}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_of_urls() {
        assert_eq!(
            url_host_port("http://127.0.0.1:8001").as_deref(),
            Some("127.0.0.1:8001")
        );
        assert_eq!(
            url_host_port("postgres://app:pw@127.0.0.1:5432/app?sslmode=disable").as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(
            url_host_port("redis://localhost:6379/0").as_deref(),
            Some("localhost:6379")
        );
        assert_eq!(url_host_port("127.0.0.1:9").as_deref(), Some("127.0.0.1:9"));
        assert_eq!(url_host_port("http://nohost"), None);
        assert_eq!(url_host_port("http://:80"), None);
        assert_eq!(url_host_port("http://h:port"), None);
    }

    #[test]
    fn check_url_reaches_a_listener_and_reports_a_closed_port() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let open = format!("http://127.0.0.1:{port}/x");
        let closed_port = {
            let t = TcpListener::bind("127.0.0.1:0").unwrap();
            t.local_addr().unwrap().port()
        };
        assert!(connect_url(&open).is_ok());
        assert!(connect_url(&format!("http://127.0.0.1:{closed_port}")).is_err());
    }

    fn connect_url(url: &str) -> std::io::Result<TcpStream> {
        TcpStream::connect(url_host_port(url).unwrap())
    }
}
