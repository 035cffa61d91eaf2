//! rust-actix: an SSE streaming proxy on actix-web 4 for ssebench, with hyper-util's pooled
//! client (hyper 1) for the upstream. The contract it keeps is in servers/README.md.

use std::future::Future;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use std::{env, io, process};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, HOST};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::dev::ServerHandle;
use actix_web::rt::net::TcpStream;
use actix_web::rt::signal::unix::{signal, SignalKind};
use actix_web::dev::Service;
use actix_web::error::ErrorRequestHeaderFieldsTooLarge;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use http_body_util::{BodyDataStream, Full};
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle upstream connections kept per worker: more than the 200 concurrent streams of the stress scenario.
const POOL_MAX_IDLE: usize = 256;
// Limits towards clients, the same in every server: servers/README.md, "Slow clients and
// limits", says why these values.
/// Request line and headers; 431 beyond. actix-http's own limit is a fixed 128 KiB buffer.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Request body; 413 beyond.
const MAX_BODY_BYTES: usize = 1 << 20;
/// From the connection's start to the end of its first request head (actix-web times only
/// the first request's head: see README.md).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// From the end of the head to the end of the body; 408 beyond.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a kept-alive connection waits for its next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a refused body's rest is read, and how much of it, before the refusal is sent:
/// closing with bytes unread makes the kernel reset the connection, and the reset can reach
/// a client still sending before it has read the 413 (RFC 9112 §9.6).
const DRAIN_TIME: Duration = Duration::from_secs(1);
const DRAIN_BYTES: usize = 8 << 20;
/// How long SIGTERM waits for in-flight streams before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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

type Upstream = Client<HttpConnector, Full<Bytes>>;

struct Target {
    uri: Uri,
    /// Requests in flight, streams included: SIGTERM waits for them (see drain_and_stop).
    in_flight: Arc<AtomicUsize>,
}

/// Counts one request in flight until dropped (with the response stream, for a stream).
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(count))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The upstream body's data frames, holding the request's InFlight until the stream ends
/// or the client leaves.
struct Relay {
    body: BodyDataStream<hyper::body::Incoming>,
    _in_flight: InFlight,
    client_gone: Pin<Box<dyn Future<Output = ()>>>,
}

impl Stream for Relay {
    type Item = Result<Bytes, hyper::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.body).poll_next(cx) {
            Poll::Pending if self.client_gone.as_mut().poll(cx).is_ready() => Poll::Ready(None),
            polled => polled,
        }
    }
}

/// The client connection's socket, kept by on_connect for the requests on it.
#[derive(Clone, Copy)]
struct ClientFd(RawFd);

/// How often a quiet stream looks at its client's socket: well within the second in which
/// a client that leaves must cancel the upstream request.
const CLIENT_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Ends once the client has closed its connection. actix-web reads nothing from a client
/// while it streams a response and notices one that left only when a write fails — never
/// while the upstream is quiet (before its response head or first token, in a stall).
async fn client_gone(fd: Option<ClientFd>) {
    let Some(ClientFd(fd)) = fd else { return std::future::pending().await };
    loop {
        actix_web::rt::time::sleep(CLIENT_POLL_INTERVAL).await;
        if closed(fd) {
            return;
        }
    }
}

extern "C" {
    fn recv(fd: i32, buf: *mut u8, len: usize, flags: i32) -> isize;
}
const MSG_PEEK: i32 = 0x2;
const MSG_DONTWAIT: i32 = 0x40;

/// Peeks at the socket without blocking or consuming: the end of the stream or an error
/// means the client left; no bytes, or bytes of a pipelined request, mean it is still there.
fn closed(fd: RawFd) -> bool {
    let mut byte = 0u8;
    // SAFETY: one byte into a local; the socket lives as long as the connection, which
    // outlives the response stream polling this.
    let n = unsafe { recv(fd, &mut byte, 1, MSG_PEEK | MSG_DONTWAIT) };
    match n {
        0 => true,
        n if n > 0 => false,
        _ => !matches!(io::Error::last_os_error().kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("rust-actix: {message}");
    process::exit(2);
}

fn upstream_uri() -> Uri {
    let raw = env::var("STUB_URL").unwrap_or_else(|_| fail("environment variable STUB_URL is required"));
    let base: Uri = raw.parse().unwrap_or_else(|e| fail(&format!("STUB_URL {raw:?} is not a URL: {e}")));
    match (base.scheme_str(), base.authority()) {
        (Some("http"), Some(authority)) => format!("http://{authority}/v1/chat/completions")
            .parse()
            .unwrap_or_else(|e| fail(&format!("STUB_URL {raw:?}: {e}"))),
        _ => fail(&format!("STUB_URL {raw:?} must be http://host:port")),
    }
}

/// Whether accepted sockets get TCP_NODELAY: yes unless SSEBENCH_TCP_NODELAY is 0, false or
/// off, which leaves Nagle's algorithm on (actix-web's default) to reproduce the writeup's
/// collapse. Upstream sockets keep TCP_NODELAY either way.
fn tcp_nodelay() -> bool {
    match env::var("SSEBENCH_TCP_NODELAY").unwrap_or_default().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "on" => true,
        "0" | "false" | "off" => false,
        other => fail(&format!("SSEBENCH_TCP_NODELAY must be 1 or 0, got {other:?}")),
    }
}

/// Header names that must not cross the proxy: hop-by-hop ones and those named in Connection.
fn hop_by_hop<'a>(connection: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    let mut names: Vec<String> = HOP_BY_HOP.iter().map(|s| s.to_string()).collect();
    for value in connection {
        if let Ok(value) = std::str::from_utf8(value) {
            names.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()));
        }
    }
    names
}

fn forwarded(name: &str, skip: &[String]) -> bool {
    name != HOST.as_str() && name != CONTENT_LENGTH.as_str() && !skip.iter().any(|s| s == name)
}

/// The client's end-to-end headers as an upstream request (actix-web is on http 0.2,
/// hyper 1 on http 1: headers cross as bytes).
fn upstream_request(uri: &Uri, headers: &HeaderMap, body: Bytes) -> hyper::Request<Full<Bytes>> {
    let skip = hop_by_hop(headers.get_all(CONNECTION).map(|v| v.as_bytes()));
    let mut request = hyper::Request::new(Full::new(body));
    *request.method_mut() = hyper::Method::POST;
    *request.uri_mut() = uri.clone();
    let out = request.headers_mut();
    for (name, value) in headers.iter().filter(|(name, _)| forwarded(name.as_str(), &skip)) {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::from_bytes(name.as_str().as_bytes()), hyper::header::HeaderValue::from_bytes(value.as_bytes()))
        {
            out.append(name, value);
        }
    }
    request
}

fn bad_gateway(kind: &str, message: String) -> HttpResponse {
    let body = format!(r#"{{"error":{{"message":{},"type":"{kind}"}}}}"#, json_string(&message));
    HttpResponse::BadGateway().content_type("application/json").body(body)
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

/// The request line and headers as they came, near enough: what MAX_HEAD_BYTES bounds.
fn head_bytes(req: &HttpRequest) -> usize {
    let line = req.method().as_str().len() + req.uri().to_string().len() + "  HTTP/1.1\r\n".len();
    line + req.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len()).sum::<usize>()
}

/// Reads the body whole within BODY_TIMEOUT, at most MAX_BODY_BYTES of it (413 beyond). A
/// refused body's rest is read within bounds before the refusal (see DRAIN_TIME); a slow
/// body gets 408 and the connection closed, its rest unread.
async fn read_body(req: &HttpRequest, payload: web::Payload) -> Result<Bytes, HttpResponse> {
    let mut payload = payload.into_inner();
    match actix_web::rt::time::timeout(BODY_TIMEOUT, collect_body(req, &mut payload)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => {
            // The connection cannot serve another request after a refused body; its rest is
            // read first so that closing it does not reset it.
            drain(&mut payload).await;
            let mut refusal = e.error_response();
            refusal.head_mut().set_connection_type(ConnectionType::Close);
            Err(refusal)
        }
        Err(_) => {
            let message = format!("request body not received within {BODY_TIMEOUT:?}");
            let body = format!(r#"{{"error":{{"message":{},"type":"invalid_request_error"}}}}"#, json_string(&message));
            Err(HttpResponse::RequestTimeout().force_close().content_type("application/json").body(body))
        }
    }
}

/// The body, counted as it arrives: a declared length over MAX_BODY_BYTES is refused before
/// any of it is read. It borrows the payload, where actix-web's Bytes extractor would take it,
/// so that read_body can still drain it.
async fn collect_body(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, PayloadError> {
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(PayloadError::Overflow);
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(PayloadError::Overflow);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads and drops what the client still sends of a refused body, for at most DRAIN_TIME
/// and DRAIN_BYTES: a client sending more, or more slowly, may still see a reset.
async fn drain(payload: &mut Payload) {
    let rest = async {
        let mut left = DRAIN_BYTES;
        while let Some(Ok(chunk)) = payload.next().await {
            if chunk.len() >= left {
                return;
            }
            left -= chunk.len();
        }
    };
    let _ = actix_web::rt::time::timeout(DRAIN_TIME, rest).await;
}

async fn completions(req: HttpRequest, payload: web::Payload, client: web::Data<Upstream>, target: web::Data<Target>) -> HttpResponse {
    let body = match read_body(&req, payload).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let in_flight = InFlight::new(&target.in_flight);
    let request = upstream_request(&target.uri, req.headers(), body);
    let fd = req.conn_data::<ClientFd>().copied();
    let upstream = match select(pin!(client.request(request)), pin!(client_gone(fd))).await {
        // The client left before the upstream's response head: dropping the request cancels it.
        Either::Right(_) => return HttpResponse::build(StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST)).finish(),
        Either::Left((Ok(res), _)) => res,
        Either::Left((Err(e), _)) if e.is_connect() => return bad_gateway("upstream_unreachable", format!("{}: {e}", target.uri)),
        Either::Left((Err(e), _)) => return bad_gateway("upstream_error", format!("{}: {e}", target.uri)),
    };
    let (parts, body) = upstream.into_parts();
    let status = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut res = HttpResponse::build(status);
    let skip = hop_by_hop(parts.headers.get_all(hyper::header::CONNECTION).iter().map(|v| v.as_bytes()));
    for (name, value) in parts.headers.iter().filter(|(name, _)| forwarded(name.as_str(), &skip)) {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_str().as_bytes()), HeaderValue::from_bytes(value.as_bytes())) {
            res.append_header((name, value));
        }
    }
    // The upstream body as a stream of chunks: each is written as it arrives, an upstream
    // error ends the client's stream, and a client that leaves drops it, which closes the
    // upstream connection (the stub then cancels the stream).
    res.streaming(Relay { body: BodyDataStream::new(body), _in_flight: in_flight, client_gone: Box::pin(client_gone(fd)) })
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

fn client() -> Upstream {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(POOL_MAX_IDLE).build(connector)
}

#[actix_web::main]
async fn main() -> io::Result<()> {
    let host = env::var("HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = env::var("PORT").unwrap_or_else(|_| fail("environment variable PORT is required"));
    let port: u16 = port.parse().unwrap_or_else(|_| fail(&format!("PORT must be an integer 0-65535, got {port:?}")));
    let nodelay = tcp_nodelay();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let target = web::Data::new(Target { uri: upstream_uri(), in_flight: Arc::clone(&in_flight) });
    println!(
        r#"{{"msg":"listening","server":"rust-actix","address":"{host}:{port}","upstream":"{}","tcp_nodelay":{nodelay}}}"#,
        target.uri
    );

    let server = HttpServer::new(move || {
        // One client per worker: each worker is its own single-threaded tokio runtime, and
        // the client's connection tasks run on the runtime that opened them.
        App::new()
            .app_data(web::Data::new(client()))
            .app_data(target.clone())
            .wrap_fn(|req, srv| {
                if head_bytes(req.request()) > MAX_HEAD_BYTES {
                    let refusal = ErrorRequestHeaderFieldsTooLarge(format!("request head over {MAX_HEAD_BYTES} bytes"));
                    return Either::Left(std::future::ready(Err(refusal)));
                }
                Either::Right(srv.call(req))
            })
            .route("/healthz", web::get().to(healthz))
            .route("/v1/chat/completions", web::post().to(completions))
    })
    // actix-web leaves Nagle's algorithm on for accepted sockets (it has no tcp_nodelay
    // setting): small SSE writes would wait for the client's delayed ACK. The writeup's fix,
    // applied to every connection unless SSEBENCH_TCP_NODELAY=0.
    .on_connect(move |conn, ext| {
        if let Some(stream) = conn.downcast_ref::<TcpStream>() {
            if nodelay {
                let _ = stream.set_nodelay(true);
            }
            ext.insert(ClientFd(stream.as_raw_fd()));
        }
    })
    // SIGTERM is handled below, not by actix-server: its graceful stop (2.5.0) can end a
    // worker that still serves a stream when the accept thread stops first, cutting the
    // stream (actix/actix-net#945, fixed after the version Debian packages).
    .client_request_timeout(HEAD_TIMEOUT)
    .keep_alive(IDLE_TIMEOUT)
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .bind((host.as_str(), port))?
    .run();
    actix_web::rt::spawn(drain_and_stop(server.handle(), in_flight));
    server.await
}

/// On SIGTERM or SIGINT: stop accepting (pause), let the requests in flight finish within
/// SHUTDOWN_GRACE, then stop the workers, closing idle keep-alive connections, and exit 0.
async fn drain_and_stop(server: ServerHandle, in_flight: Arc<AtomicUsize>) {
    let mut term = signal(SignalKind::terminate()).unwrap_or_else(|e| fail(&format!("SIGTERM handler: {e}")));
    let mut int = signal(SignalKind::interrupt()).unwrap_or_else(|e| fail(&format!("SIGINT handler: {e}")));
    let name = first_signal(&mut term, &mut int).await;
    println!(r#"{{"msg":"shutting down","signal":"{name}","in_flight":{}}}"#, in_flight.load(Ordering::SeqCst));
    server.pause().await;
    let began = Instant::now();
    while in_flight.load(Ordering::SeqCst) > 0 {
        if began.elapsed() >= SHUTDOWN_GRACE {
            eprintln!("rust-actix: streams still open after {SHUTDOWN_GRACE:?}, exiting anyway");
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop(false).await;
}

/// Whichever of the two signals comes first.
async fn first_signal(term: &mut actix_web::rt::signal::unix::Signal, int: &mut actix_web::rt::signal::unix::Signal) -> &'static str {
    let (term, int) = (pin!(term.recv()), pin!(int.recv()));
    match select(term, int).await {
        Either::Left(_) => "SIGTERM",
        Either::Right(_) => "SIGINT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_end_to_end_headers_only() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "proxy:1"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("x-stub-tokens", "5"),
            ("content-length", "2"),
            ("transfer-encoding", "chunked"),
            ("content-type", "application/json"),
        ] {
            headers.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let uri: Uri = "http://127.0.0.1:1/v1/chat/completions".parse().unwrap();
        let request = upstream_request(&uri, &headers, Bytes::new());
        let mut kept: Vec<&str> = request.headers().keys().map(|k| k.as_str()).collect();
        kept.sort();
        assert_eq!(kept, ["content-type", "x-stub-tokens"]);
    }

    #[test]
    fn escapes_json_strings() {
        assert_eq!(json_string("a \"b\"\\\n"), r#""a \"b\"\\\u000a""#);
    }
}
