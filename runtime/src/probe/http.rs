//! The http probe: `GET path` on 127.0.0.1:port, else on [::1]:port; a 200-399 status passes, and the body must
//! match the optional regex. The response is parsed with httparse.

use super::{attribute_listener, within};
use coord_core::ProbeOutcome;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use regex::Regex;
use std::time::Duration;

/// Largest response read (headers and body).
const MAX_RESPONSE: usize = 1 << 20;

/// `GET path` on the first loopback of `port` that accepts a connection (not to itself), within
/// `timeout`, then attributed to process group `pgid` (outside the timeout).
pub async fn probe(
    pgid: u32,
    port: u16,
    path: &str,
    body: Option<&Regex>,
    timeout: Duration,
) -> ProbeOutcome {
    match within(timeout, get(port, path, body)).await {
        Ok(()) => attribute_listener(pgid, port).await,
        Err(why) => ProbeOutcome::Failure(why),
    }
}

/// The exchange: `GET path` and the judged response. Ok: a passing answer from someone.
async fn get(port: u16, path: &str, body: Option<&Regex>) -> Result<(), String> {
    let (mut stream, addr) = super::tcp::connect(port).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: coord\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        return Err(format!("sending GET {path}: {e}"));
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let verdict = loop {
        match stream.read(&mut chunk).await {
            Ok(0) => break judge(&buf, body, true),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(v) = judge(&buf, body, false) {
                    break Some(v);
                }
                if buf.len() > MAX_RESPONSE {
                    break judge(&buf, body, true);
                }
            }
            Err(e) => break Some(Err(format!("reading the response to GET {path}: {e}"))),
        }
    };
    drop(stream);
    verdict.unwrap_or_else(|| {
        Err(format!(
            "GET {path}: the connection closed before a complete HTTP response"
        ))
    })
}

/// Judges the response read so far. `None`: need more bytes (or, at end of input, no valid
/// response). `complete` is true once the peer closed the connection.
pub fn judge(buf: &[u8], body: Option<&Regex>, complete: bool) -> Option<Result<(), String>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return None,
        Err(e) => return Some(Err(format!("invalid HTTP response: {e}"))),
    };
    let code = response.code.unwrap_or(0);
    if !(200..400).contains(&code) {
        let reason = response.reason.unwrap_or("");
        return Some(Err(format!("HTTP status {code} {reason}")
            .trim_end()
            .to_owned()));
    }
    let Some(pattern) = body else {
        return Some(Ok(()));
    };
    let content_length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        });
    let received = &buf[head_len..];
    let body_bytes = match content_length {
        Some(n) if received.len() >= n => &received[..n],
        Some(_) if !complete => return None,
        None if !complete => return None,
        _ => received,
    };
    let text = String::from_utf8_lossy(body_bytes);
    if pattern.is_match(&text) {
        Some(Ok(()))
    } else {
        Some(Err(format!(
            "HTTP {code} but the body does not match /{}/",
            pattern.as_str()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A probe timeout no exchange on loopback comes near, however loaded the machine.
    const GENEROUS: Duration = Duration::from_secs(60);

    #[test]
    fn statuses_and_bodies_are_judged() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(judge(ok, None, false), Some(Ok(())));
        let re = Regex::new("^ok$").unwrap();
        assert_eq!(judge(ok, Some(&re), false), Some(Ok(())));
        let partial = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok";
        assert_eq!(judge(partial, Some(&re), false), None);
        let redirect = b"HTTP/1.1 302 Found\r\n\r\n";
        assert_eq!(judge(redirect, None, false), Some(Ok(())));
        let busy = b"HTTP/1.1 503 Service Unavailable\r\n\r\n";
        assert_eq!(
            judge(busy, None, false),
            Some(Err("HTTP status 503 Service Unavailable".into()))
        );
        let other = b"HTTP/1.1 200 OK\r\n\r\nstarting";
        let want = Regex::new("ready").unwrap();
        assert!(matches!(judge(other, Some(&want), true), Some(Err(_))));
        assert_eq!(judge(b"HTTP/1.1 20", None, false), None);
        assert!(matches!(
            judge(b"garbage\r\n\r\n", None, false),
            Some(Err(_))
        ));
    }

    /// Serves `responses` (one per connection) on a free port from a thread.
    fn serve(responses: Vec<&'static str>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for response in responses {
                let (mut conn, _) = listener.accept().unwrap();
                let mut buf = [0u8; 1024];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = conn.read(&mut buf).unwrap();
                    got.extend_from_slice(&buf[..n]);
                }
                assert!(got.starts_with(b"GET /health HTTP/1.1\r\n"));
                conn.write_all(response.as_bytes()).unwrap();
            }
            // Keep listening (the probe attributes the listener after the response).
            let _keep = listener;
            std::thread::park();
        });
        port
    }

    #[test]
    fn a_real_server_is_probed() {
        let group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
        let port = serve(vec![
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready",
        ]);
        let re = Regex::new("ready").unwrap();
        assert!(matches!(
            smol::block_on(probe(group, port, "/health", Some(&re), GENEROUS)),
            ProbeOutcome::Failure(r) if r.contains("503")
        ));
        assert_eq!(
            smol::block_on(probe(group, port, "/health", Some(&re), GENEROUS)),
            ProbeOutcome::Success
        );
    }

    #[test]
    fn a_server_that_never_answers_times_the_exchange_out() {
        // Accepted (by the kernel's backlog) but never read nor answered.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
        let outcome = smol::block_on(probe(
            group,
            port,
            "/health",
            None,
            Duration::from_millis(50),
        ));
        assert_eq!(
            outcome,
            ProbeOutcome::Failure("probe timed out after 50ms".into())
        );
        drop(listener);
    }
}
