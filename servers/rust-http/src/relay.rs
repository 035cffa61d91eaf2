//! One proxied stream: the request sent upstream, the response relayed to the client
//! read by read, each read written and sent at once.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

use crate::chunked;
use crate::http::{reason, Request};
use crate::upstream::{connection_tokens, head_end, head_too_long, is_hop_by_hop, parse_head, Framing, ResponseHead, Upstream};

const READ_BUFFER: usize = 16 * 1024;

enum Failure {
    ClientGone,
    /// Nothing came back: a pooled connection the upstream had closed, or a dead upstream.
    NothingReceived(String),
    Unreachable(String),
    Broken(String),
}

/// Proxies one request; returns whether the client connection stays open.
pub fn proxy(request: &Request, client: &mut TcpStream, upstream: &Upstream, keep_alive: bool) -> io::Result<bool> {
    let bytes = upstream.request_bytes(request);
    let (conn, head, leftover) = match exchange(upstream, &bytes, client) {
        Ok(exchanged) => exchanged,
        Err(Failure::ClientGone) => return Err(io::ErrorKind::ConnectionAborted.into()),
        Err(Failure::Unreachable(message)) => {
            write_error(client, "upstream_unreachable", &message, keep_alive)?;
            return Ok(keep_alive);
        }
        Err(Failure::NothingReceived(message) | Failure::Broken(message)) => {
            write_error(client, "upstream_error", &message, keep_alive)?;
            return Ok(keep_alive);
        }
    };
    if let Err(e) = write_head(client, &head, keep_alive) {
        let _ = conn.shutdown(Shutdown::Both);
        return Err(e);
    }
    relay_body(client, conn, &head, leftover, upstream, keep_alive)
}

/// Sends the request and reads the response head, retrying once on a fresh connection
/// when a pooled one turns out to be closed.
fn exchange(upstream: &Upstream, bytes: &[u8], client: &TcpStream) -> Result<(TcpStream, ResponseHead, Vec<u8>), Failure> {
    let unreachable = |e: io::Error| Failure::Unreachable(format!("{}: {e}", upstream.url()));
    let (mut conn, reused) = upstream.checkout().map_err(unreachable)?;
    match send_and_read_head(&mut conn, bytes, client) {
        Ok((head, leftover)) => Ok((conn, head, leftover)),
        Err(Failure::NothingReceived(_)) if reused => {
            let _ = conn.shutdown(Shutdown::Both);
            let mut conn = upstream.connect().map_err(unreachable)?;
            let (head, leftover) = send_and_read_head(&mut conn, bytes, client).inspect_err(|_| {
                let _ = conn.shutdown(Shutdown::Both);
            })?;
            Ok((conn, head, leftover))
        }
        Err(failure) => {
            let _ = conn.shutdown(Shutdown::Both);
            Err(failure)
        }
    }
}

fn send_and_read_head(conn: &mut TcpStream, bytes: &[u8], client: &TcpStream) -> Result<(ResponseHead, Vec<u8>), Failure> {
    conn.write_all(bytes).map_err(|e| Failure::NothingReceived(format!("sending the request upstream: {e}")))?;
    let mut buf = Vec::with_capacity(READ_BUFFER);
    let mut chunk = vec![0u8; READ_BUFFER];
    loop {
        let n = match read_upstream(conn, &mut chunk, client) {
            Ok(n) => n,
            Err(ReadFailure::ClientGone) => return Err(Failure::ClientGone),
            Err(ReadFailure::Io(e)) if buf.is_empty() => return Err(Failure::NothingReceived(format!("reading the upstream response: {e}"))),
            Err(ReadFailure::Io(e)) => return Err(Failure::Broken(format!("reading the upstream response: {e}"))),
        };
        if n == 0 {
            let message = "the upstream closed the connection before its response head".to_string();
            return Err(if buf.is_empty() { Failure::NothingReceived(message) } else { Failure::Broken(message) });
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(end) = head_end(&buf) {
            let head = parse_head(&buf[..end]).map_err(Failure::Broken)?;
            let rest = buf.split_off(end);
            if head.status >= 200 {
                return Ok((head, rest));
            }
            // An interim 1xx response: the real one follows.
            buf = rest;
        }
        if head_too_long(&buf) {
            return Err(Failure::Broken("upstream response head too long".into()));
        }
    }
}

enum ReadFailure {
    ClientGone,
    Io(io::Error),
}

/// Reads from the upstream; while it is quiet, checks every poll interval that the
/// client is still connected, so that a client that leaves cancels a stalled stream too.
fn read_upstream(conn: &mut TcpStream, buf: &mut [u8], client: &TcpStream) -> Result<usize, ReadFailure> {
    loop {
        match conn.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if client_closed(client) {
                    return Err(ReadFailure::ClientGone);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadFailure::Io(e)),
        }
    }
}

fn client_closed(client: &TcpStream) -> bool {
    if client.set_nonblocking(true).is_err() {
        return true;
    }
    let mut byte = [0u8; 1];
    let closed = match client.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    let _ = client.set_nonblocking(false);
    closed
}

/// How the body is framed towards the client.
fn client_framing(head: &ResponseHead) -> Option<String> {
    match head.framing {
        Framing::Length(n) => Some(format!("Content-Length: {n}")),
        Framing::Empty if head.status == 204 || head.status == 304 => None,
        Framing::Empty => Some("Content-Length: 0".into()),
        Framing::Chunked | Framing::UntilClose => Some("Transfer-Encoding: chunked".into()),
    }
}

fn write_head(client: &mut TcpStream, head: &ResponseHead, keep_alive: bool) -> io::Result<()> {
    let named = connection_tokens(&head.headers);
    let phrase = if head.reason.is_empty() { reason(head.status) } else { head.reason.as_str() };
    let mut out = format!("HTTP/1.1 {} {phrase}\r\n", head.status);
    for (name, value) in &head.headers {
        let lower = name.to_ascii_lowercase();
        if is_hop_by_hop(&lower) || named.contains(&lower) || lower == "content-length" {
            continue;
        }
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(framing) = client_framing(head) {
        out.push_str(&framing);
        out.push_str("\r\n");
    }
    out.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    client.write_all(out.as_bytes())
}

/// The upstream body, unframed as it arrives.
enum Body {
    Chunked(chunked::Decoder),
    Length(u64),
    UntilClose,
}

impl Body {
    fn new(framing: &Framing) -> Self {
        match framing {
            Framing::Chunked => Body::Chunked(chunked::Decoder::new()),
            Framing::Length(n) => Body::Length(*n),
            Framing::Empty => Body::Length(0),
            Framing::UntilClose => Body::UntilClose,
        }
    }

    fn done(&self) -> bool {
        match self {
            Body::Chunked(decoder) => decoder.done(),
            Body::Length(remaining) => *remaining == 0,
            Body::UntilClose => false,
        }
    }

    fn feed(&mut self, input: &[u8], payload: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Body::Chunked(decoder) => decoder.feed(input, payload),
            Body::Length(remaining) => {
                let n = (*remaining).min(input.len() as u64) as usize;
                payload.extend_from_slice(&input[..n]);
                *remaining -= n as u64;
                Ok(())
            }
            Body::UntilClose => {
                payload.extend_from_slice(input);
                Ok(())
            }
        }
    }
}

/// Relays the body; a client that leaves ends the upstream request, an upstream that
/// breaks off ends the client's connection without the closing chunk.
fn relay_body(
    client: &mut TcpStream,
    mut conn: TcpStream,
    head: &ResponseHead,
    leftover: Vec<u8>,
    upstream: &Upstream,
    keep_alive: bool,
) -> io::Result<bool> {
    let rechunk = matches!(head.framing, Framing::Chunked | Framing::UntilClose);
    let mut body = Body::new(&head.framing);
    let mut buf = vec![0u8; READ_BUFFER];
    let mut payload = Vec::with_capacity(READ_BUFFER);
    let mut frame = Vec::with_capacity(READ_BUFFER + 16);
    let mut input = leftover;
    let mut upstream_ended = false;
    loop {
        payload.clear();
        if body.feed(&input, &mut payload).is_err() {
            let _ = conn.shutdown(Shutdown::Both);
            return Ok(false);
        }
        let done = body.done() || upstream_ended;
        frame.clear();
        if rechunk && !payload.is_empty() {
            chunked::encode(&payload, &mut frame);
        } else {
            frame.extend_from_slice(&payload);
        }
        if done && rechunk {
            frame.extend_from_slice(chunked::LAST_CHUNK);
        }
        if !frame.is_empty() {
            if let Err(e) = client.write_all(&frame) {
                let _ = conn.shutdown(Shutdown::Both);
                return Err(e);
            }
        }
        if done {
            break;
        }
        let n = match read_upstream(&mut conn, &mut buf, client) {
            Ok(n) => n,
            Err(ReadFailure::ClientGone) => {
                let _ = conn.shutdown(Shutdown::Both);
                return Err(io::ErrorKind::ConnectionAborted.into());
            }
            Err(ReadFailure::Io(_)) => return Ok(false),
        };
        if n == 0 {
            if !matches!(body, Body::UntilClose) {
                // Cut off mid-body: the client must see the stream break, not end cleanly.
                return Ok(false);
            }
            upstream_ended = true;
        }
        input.clear();
        input.extend_from_slice(&buf[..n]);
    }
    if head.reusable && !upstream_ended {
        upstream.checkin(conn);
    }
    Ok(keep_alive)
}

fn write_error(client: &mut TcpStream, kind: &str, message: &str, keep_alive: bool) -> io::Result<()> {
    let body = format!(r#"{{"error":{{"message":{},"type":"{kind}"}}}}"#, json_string(message));
    crate::http::write_simple(client, 502, "application/json", body.as_bytes(), keep_alive)
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
