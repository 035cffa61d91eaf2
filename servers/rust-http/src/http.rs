//! The client side: HTTP/1.1 requests parsed by hand off a keep-alive connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::upstream::Upstream;
use crate::{relay, signals, ActiveStream};

// Limits towards clients, the same in every server: servers/README.md, "Slow clients and
// limits", says why these values.
/// Request line and headers; 431 beyond.
const MAX_HEAD: usize = 16 * 1024;
/// Request body; 413 beyond.
const MAX_BODY: usize = 1024 * 1024;
/// From the first byte of a request head to its end.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// From the end of the head to the end of the body; 408 beyond.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a kept-alive connection waits for its next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a write to a client that stopped reading may block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Request {
    pub method: String,
    pub target: String,
    http10: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    #[cfg(test)]
    pub fn for_test(headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Request { method: "POST".into(), target: "/v1/chat/completions".into(), http10: false, headers, body }
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        if self.http10 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

enum ReadError {
    Io(io::Error),
    /// Answered with this status, then the connection is closed.
    Refused(u16, String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Serves requests on one client connection until it closes or asks to.
pub fn serve_connection(client: TcpStream, upstream: &Upstream) {
    if serve(client, upstream).is_err() {
        // The client went away or broke the protocol: the thread simply ends.
    }
}

fn serve(mut client: TcpStream, upstream: &Upstream) -> io::Result<()> {
    client.set_nodelay(true)?;
    client.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut reader = BufReader::new(Timed { stream: client.try_clone()?, deadline: None });
    loop {
        let request = match read_request(&mut reader, &mut client) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(ReadError::Refused(status, message)) => {
                write_simple(&mut client, status, "text/plain; charset=utf-8", format!("{message}\n").as_bytes(), false)?;
                return close_after_refusal(&mut client);
            }
            Err(ReadError::Io(e)) => return Err(e),
        };
        let keep_alive = request.keep_alive() && !signals::stopping();
        let kept = route(&request, &mut client, upstream, keep_alive)?;
        if !kept {
            return client.shutdown(Shutdown::Both);
        }
    }
}

/// How long a refused request's remaining bytes are read and dropped before the close.
const LINGER: Duration = Duration::from_secs(2);

/// Closes a connection whose request was refused without losing the answer: closing a
/// socket with request bytes still unread sends a reset, which can destroy the answer in the
/// client's buffers before it is read. So the rest is read and dropped for a moment first,
/// as net/http does.
fn close_after_refusal(client: &mut TcpStream) -> io::Result<()> {
    client.shutdown(Shutdown::Write)?;
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 16 * 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        client.set_read_timeout(Some(left))?;
        match client.read(&mut sink) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Answers one request; returns whether the connection stays open.
fn route(request: &Request, client: &mut TcpStream, upstream: &Upstream, keep_alive: bool) -> io::Result<bool> {
    const TEXT: &str = "text/plain; charset=utf-8";
    match (request.method.as_str(), request.path()) {
        ("GET", "/healthz") => write_simple(client, 200, TEXT, b"ok\n", keep_alive).map(|_| keep_alive),
        ("POST", "/v1/chat/completions") => {
            let _active = ActiveStream::begin();
            relay::proxy(request, client, upstream, keep_alive)
        }
        (_, "/v1/chat/completions") => write_simple(client, 405, TEXT, b"method not allowed\n", keep_alive).map(|_| keep_alive),
        _ => write_simple(client, 404, TEXT, b"not found\n", keep_alive).map(|_| keep_alive),
    }
}

/// The client socket for reading requests: each read waits at most until the deadline of
/// the part being read (head or body), or IDLE_TIMEOUT between requests. std offers only a
/// timeout per read, which a client sending a byte now and then would reset forever.
struct Timed {
    stream: TcpStream,
    deadline: Option<Instant>,
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = match self.deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => IDLE_TIMEOUT,
        };
        if wait.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(wait))?;
        self.stream.read(buf)
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Reads the next request; `None` when the client closed the connection between requests,
/// or left it idle for IDLE_TIMEOUT.
fn read_request(reader: &mut BufReader<Timed>, client: &mut TcpStream) -> Result<Option<Request>, ReadError> {
    reader.get_mut().deadline = None;
    match reader.fill_buf() {
        Ok([]) => return Ok(None),
        Ok(_) => {}
        Err(e) if timed_out(&e) => return Ok(None),
        Err(e) => return Err(ReadError::Io(e)),
    }
    reader.get_mut().deadline = Some(Instant::now() + HEAD_TIMEOUT);
    let mut request = read_head(reader).map_err(|e| match e {
        ReadError::Io(e) if timed_out(&e) => ReadError::Refused(408, format!("request head not received within {HEAD_TIMEOUT:?}")),
        e => e,
    })?;
    reader.get_mut().deadline = Some(Instant::now() + BODY_TIMEOUT);
    read_body(reader, client, &mut request).map_err(|e| match e {
        ReadError::Io(e) if timed_out(&e) => ReadError::Refused(408, format!("request body not received within {BODY_TIMEOUT:?}")),
        e => e,
    })?;
    reader.get_mut().deadline = None;
    Ok(Some(request))
}

fn read_head(reader: &mut BufReader<Timed>) -> Result<Request, ReadError> {
    let mut head_bytes = 0;
    let mut line = String::new();
    // RFC 9112 lets a server skip empty lines before the request line.
    loop {
        line.clear();
        if read_line(reader, &mut line, &mut head_bytes)? == 0 {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        if !line.trim_end().is_empty() {
            break;
        }
    }
    let mut parts = line.trim_end().split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ReadError::Refused(400, format!("malformed request line {:?}", line.trim_end())));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Refused(400, format!("unsupported protocol version {version:?}"))),
    };
    let mut request = Request { method: method.into(), target: target.into(), http10, headers: Vec::new(), body: Vec::new() };
    loop {
        line.clear();
        if read_line(reader, &mut line, &mut head_bytes)? == 0 {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let field = line.trim_end();
        if field.is_empty() {
            break;
        }
        let Some((name, value)) = field.split_once(':') else {
            return Err(ReadError::Refused(400, format!("malformed header line {field:?}")));
        };
        request.headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(request)
}

fn read_line(reader: &mut BufReader<Timed>, line: &mut String, head_bytes: &mut usize) -> Result<usize, ReadError> {
    let limit = (MAX_HEAD - *head_bytes) as u64;
    if limit == 0 {
        return Err(ReadError::Refused(431, format!("request head longer than {MAX_HEAD} bytes")));
    }
    let n = reader.by_ref().take(limit).read_line(line)?;
    *head_bytes += n;
    if n > 0 && !line.ends_with('\n') {
        if *head_bytes >= MAX_HEAD {
            return Err(ReadError::Refused(431, format!("request head longer than {MAX_HEAD} bytes")));
        }
        return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(n)
}

fn too_large() -> ReadError {
    ReadError::Refused(413, format!("request body longer than {MAX_BODY} bytes"))
}

fn read_body(reader: &mut BufReader<Timed>, client: &mut TcpStream, request: &mut Request) -> Result<(), ReadError> {
    let chunked = request.header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match request.header("content-length") {
        Some(value) if !chunked => {
            let n: usize = value.parse().map_err(|_| ReadError::Refused(400, format!("bad Content-Length {value:?}")))?;
            if n > MAX_BODY {
                return Err(too_large());
            }
            n
        }
        _ => 0,
    };
    if (chunked || length > 0) && request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if chunked {
        return read_chunked_body(reader, &mut request.body);
    }
    request.body.resize(length, 0);
    reader.read_exact(&mut request.body)?;
    Ok(())
}

fn read_chunked_body(reader: &mut BufReader<Timed>, body: &mut Vec<u8>) -> Result<(), ReadError> {
    let mut decoder = crate::chunked::Decoder::new();
    while !decoder.done() {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        // Feed up to the next newline only: the body ends on one, and the bytes after it
        // belong to the next request.
        let n = available.iter().position(|&b| b == b'\n').map_or(available.len(), |i| i + 1);
        decoder.feed(&available[..n], body).map_err(|e| ReadError::Refused(400, e))?;
        reader.consume(n);
        if body.len() > MAX_BODY {
            return Err(too_large());
        }
    }
    Ok(())
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Writes a whole small response in one write.
pub fn write_simple(client: &mut TcpStream, status: u16, content_type: &str, body: &[u8], keep_alive: bool) -> io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let mut response = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
        reason(status),
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body);
    client.write_all(&response)
}
