//! `backend --healthcheck`: asks a running server's `/healthz` and exits 0 or 1.
//! Container images without a shell or curl (distroless) use it for HEALTHCHECK.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Where to ask: the configured address, or loopback when bound to all interfaces.
pub fn target(bind: IpAddr, port: u16) -> SocketAddr {
    let ip = if bind.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        bind
    };
    SocketAddr::new(ip, port)
}

/// `Ok` when `GET /healthz` answers 200 within `timeout`.
pub fn check(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| format!("read: {e}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(format!("unhealthy: {status_line}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn serve_once(reply: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 256];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply.as_bytes());
            }
        });
        addr
    }

    #[test]
    fn healthy_only_on_200() {
        let ok = serve_once("HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok");
        assert!(check(ok, Duration::from_secs(2)).is_ok());
        let down = serve_once("HTTP/1.0 503 Service Unavailable\r\n\r\n");
        assert!(
            check(down, Duration::from_secs(2))
                .unwrap_err()
                .contains("503")
        );
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert!(check(closed, Duration::from_millis(500)).is_err());
    }

    #[test]
    fn asks_loopback_when_bound_everywhere() {
        assert_eq!(
            target("0.0.0.0".parse().unwrap(), 80).to_string(),
            "127.0.0.1:80"
        );
        assert_eq!(
            target("127.0.0.2".parse().unwrap(), 81).to_string(),
            "127.0.0.2:81"
        );
    }
}
