//! The client side: HTTP/1.1 requests parsed by hand off a keep-alive connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::upstream::Upstream;
use crate::{relay, signals, ActiveStream};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;
/// How long an idle keep-alive connection waits for its next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(75);
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
    Bad(String),
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
    client.set_read_timeout(Some(IDLE_TIMEOUT))?;
    client.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut reader = BufReader::new(client.try_clone()?);
    loop {
        let request = match read_request(&mut reader, &mut client) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(ReadError::Bad(message)) => {
                write_simple(&mut client, 400, "text/plain; charset=utf-8", format!("{message}\n").as_bytes(), false)?;
                return client.shutdown(Shutdown::Write);
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

/// Reads the next request; `None` when the client closed the connection between requests.
fn read_request(reader: &mut BufReader<TcpStream>, client: &mut TcpStream) -> Result<Option<Request>, ReadError> {
    let mut head_bytes = 0;
    let mut line = String::new();
    // RFC 9112 lets a server skip empty lines before the request line.
    loop {
        line.clear();
        if read_line(reader, &mut line, &mut head_bytes)? == 0 {
            return Ok(None);
        }
        if !line.trim_end().is_empty() {
            break;
        }
    }
    let mut parts = line.trim_end().split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ReadError::Bad(format!("malformed request line {:?}", line.trim_end())));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad(format!("unsupported protocol version {version:?}"))),
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
            return Err(ReadError::Bad(format!("malformed header line {field:?}")));
        };
        request.headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    read_body(reader, client, &mut request)?;
    Ok(Some(request))
}

fn read_line(reader: &mut BufReader<TcpStream>, line: &mut String, head_bytes: &mut usize) -> Result<usize, ReadError> {
    let limit = (MAX_HEAD - *head_bytes) as u64;
    let n = reader.by_ref().take(limit).read_line(line)?;
    *head_bytes += n;
    if n > 0 && !line.ends_with('\n') {
        return Err(ReadError::Bad(format!("request head longer than {MAX_HEAD} bytes")));
    }
    Ok(n)
}

fn read_body(reader: &mut BufReader<TcpStream>, client: &mut TcpStream, request: &mut Request) -> Result<(), ReadError> {
    let chunked = request.header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match request.header("content-length") {
        Some(value) if !chunked => {
            let n: usize = value.parse().map_err(|_| ReadError::Bad(format!("bad Content-Length {value:?}")))?;
            if n > MAX_BODY {
                return Err(ReadError::Bad(format!("request body longer than {MAX_BODY} bytes")));
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

fn read_chunked_body(reader: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> Result<(), ReadError> {
    let mut decoder = crate::chunked::Decoder::new();
    while !decoder.done() {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        // Feed up to the next newline only: the body ends on one, and the bytes after it
        // belong to the next request.
        let n = available.iter().position(|&b| b == b'\n').map_or(available.len(), |i| i + 1);
        decoder.feed(&available[..n], body).map_err(ReadError::Bad)?;
        reader.consume(n);
        if body.len() > MAX_BODY {
            return Err(ReadError::Bad(format!("request body longer than {MAX_BODY} bytes")));
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
        429 => "Too Many Requests",
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
