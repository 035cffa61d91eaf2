//! The upstream side: STUB_URL, a pool of keep-alive connections, the request written
//! by hand and the response head parsed by hand.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use crate::http::{header, Request};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse: more than the 200 concurrent streams of the stress scenario.
const POOL_SIZE: usize = 256;
/// Upstream reads wake up this often to check that the client is still there.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
const MAX_HEAD: usize = 64 * 1024;

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

pub struct Upstream {
    addrs: Vec<SocketAddr>,
    authority: String,
    idle: Mutex<Vec<TcpStream>>,
}

impl Upstream {
    /// Parses `http://host:port` (a trailing slash is allowed, a path is not).
    pub fn from_url(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url:?} must start with http://"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains('/') {
            return Err(format!("{url:?} must be http://host:port with no path"));
        }
        let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addrs: Vec<SocketAddr> = with_port
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {authority:?}: {e}"))?
            .collect();
        Ok(Upstream { addrs, authority: authority.to_string(), idle: Mutex::new(Vec::new()) })
    }

    pub fn url(&self) -> String {
        format!("http://{}/v1/chat/completions", self.authority)
    }

    /// A pooled idle connection (`true`) or a new one (`false`).
    pub fn checkout(&self) -> io::Result<(TcpStream, bool)> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match pooled {
            Some(conn) => Ok((conn, true)),
            None => self.connect().map(|conn| (conn, false)),
        }
    }

    pub fn connect(&self) -> io::Result<TcpStream> {
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in &self.addrs {
            match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
                Ok(conn) => {
                    conn.set_nodelay(true)?;
                    conn.set_read_timeout(Some(POLL_INTERVAL))?;
                    return Ok(conn);
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Returns a connection whose response was read to its end.
    pub fn checkin(&self, conn: TcpStream) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < POOL_SIZE {
            idle.push(conn);
        } else {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    /// The upstream request, whole, for one write.
    pub fn request_bytes(&self, request: &Request) -> Vec<u8> {
        let named = connection_tokens(&request.headers);
        let mut head = format!("POST /v1/chat/completions HTTP/1.1\r\nHost: {}\r\n", self.authority);
        for (name, value) in &request.headers {
            let lower = name.to_ascii_lowercase();
            // The proxy holds the whole body already: Expect has been answered on the client side.
            if is_hop_by_hop(&lower) || named.contains(&lower) || matches!(lower.as_str(), "host" | "content-length" | "expect") {
                continue;
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", request.body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&request.body);
        bytes
    }
}

pub fn is_hop_by_hop(lower_name: &str) -> bool {
    HOP_BY_HOP.contains(&lower_name)
}

/// Header names listed in Connection, lower-cased: hop-by-hop too.
pub fn connection_tokens(headers: &[(String, String)]) -> Vec<String> {
    header(headers, "connection")
        .unwrap_or("")
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// How the response body is delimited.
#[derive(Debug, PartialEq)]
pub enum Framing {
    Chunked,
    Length(u64),
    UntilClose,
    Empty,
}

pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
    /// Whether the connection may carry another request after this response.
    pub reusable: bool,
}

/// Finds the end of a response head in `buf`: the offset just past its blank line.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

pub fn head_too_long(buf: &[u8]) -> bool {
    buf.len() > MAX_HEAD
}

pub fn parse_head(head: &[u8]) -> Result<ResponseHead, String> {
    let text = std::str::from_utf8(head).map_err(|_| "response head is not UTF-8".to_string())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(format!("malformed status line {status_line:?}"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(format!("unsupported protocol in status line {status_line:?}"));
    }
    let status: u16 = code.parse().map_err(|_| format!("bad status code in {status_line:?}"))?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| format!("malformed header line {line:?}"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let chunked = header(&headers, "transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let framing = if status < 200 || status == 204 || status == 304 {
        Framing::Empty
    } else if chunked {
        Framing::Chunked
    } else if let Some(length) = header(&headers, "content-length") {
        Framing::Length(length.parse().map_err(|_| format!("bad Content-Length {length:?}"))?)
    } else {
        Framing::UntilClose
    };
    let closes = connection_tokens(&headers).iter().any(|t| t == "close") || version == "HTTP/1.0";
    let reusable = !closes && framing != Framing::UntilClose;
    Ok(ResponseHead { status, reason, headers, framing, reusable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stub_urls() {
        assert_eq!(Upstream::from_url("http://127.0.0.1:18080").unwrap().authority, "127.0.0.1:18080");
        assert_eq!(Upstream::from_url("http://127.0.0.1:18080/").unwrap().addrs.len(), 1);
        assert!(Upstream::from_url("https://127.0.0.1:1").is_err());
        assert!(Upstream::from_url("http://127.0.0.1:1/v1").is_err());
    }

    #[test]
    fn forwards_end_to_end_headers_only() {
        let up = Upstream::from_url("http://127.0.0.1:18080").unwrap();
        let h = |n: &str, v: &str| (n.to_string(), v.to_string());
        let request = Request::for_test(
            vec![
                h("Host", "proxy:1"),
                h("Connection", "keep-alive, X-Private"),
                h("X-Private", "1"),
                h("X-Stub-Tokens", "5"),
                h("Content-Length", "2"),
                h("Transfer-Encoding", "chunked"),
            ],
            b"{}".to_vec(),
        );
        let text = String::from_utf8(up.request_bytes(&request)).unwrap();
        assert_eq!(
            text,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nX-Stub-Tokens: 5\r\nContent-Length: 2\r\n\r\n{}"
        );
    }

    #[test]
    fn parses_response_heads() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!((head.status, head.framing, head.reusable), (200, Framing::Chunked, true));
        let head = parse_head(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 12\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!((head.status, head.framing, head.reusable), (503, Framing::Length(12), false));
        assert!(parse_head(b"SPDY/3 200 OK\r\n\r\n").is_err());
    }
}
