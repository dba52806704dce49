//! A tiny HTTP/1.1 server: `GET /health` answers 503 until ready, then 200 `ok`; any other path
//! 200. One thread per connection so a bare TCP probe that sends nothing blocks nobody.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::events::Events;

/// Serves `listener` forever on a background thread. With `connections`, every accepted
/// connection is reported as a `connection` event (the outsider uses it to show it was probed).
pub fn serve(
    listener: TcpListener,
    name: String,
    ready: Arc<AtomicBool>,
    connections: Option<Events>,
) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            if let Some(ev) = &connections {
                ev.emit("connection", "");
            }
            let (name, ready) = (name.clone(), ready.clone());
            std::thread::spawn(move || answer(stream, &name, &ready));
        }
    });
}

fn answer(mut stream: TcpStream, name: &str, ready: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = request_path(&head).unwrap_or("/");
    let (status, body) = response_for(path, ready.load(Ordering::SeqCst), name);
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

/// The path of a request's first line (`GET /health HTTP/1.1` -> `/health`).
pub fn request_path(head: &str) -> Option<&str> {
    let mut parts = head.lines().next()?.split_whitespace();
    let _method = parts.next()?;
    parts.next()
}

/// Status line and body for `path` given readiness.
pub fn response_for(path: &str, ready: bool, name: &str) -> (&'static str, String) {
    let path = path.split('?').next().unwrap_or(path);
    match (path, ready) {
        ("/health", true) => ("200 OK", "ok".to_string()),
        ("/health", false) => ("503 Service Unavailable", "starting".to_string()),
        _ => ("200 OK", format!("toy {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_of_request_line() {
        assert_eq!(
            request_path("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some("/health")
        );
        assert_eq!(request_path(""), None);
    }

    #[test]
    fn health_follows_readiness() {
        assert_eq!(
            response_for("/health", false, "a").0,
            "503 Service Unavailable"
        );
        assert_eq!(
            response_for("/health", true, "a"),
            ("200 OK", "ok".to_string())
        );
        assert_eq!(response_for("/health?x=1", true, "a").0, "200 OK");
        assert_eq!(
            response_for("/", false, "a"),
            ("200 OK", "toy a".to_string())
        );
    }
}
