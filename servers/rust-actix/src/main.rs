//! rust-actix: an SSE streaming proxy on actix-web 4 and its client, awc, for ssebench.
//! The contract it keeps is in servers/README.md.

use std::time::Duration;
use std::{env, io, process};

use actix_web::http::header::{HeaderMap, HeaderName, CONNECTION, CONTENT_LENGTH, HOST};
use actix_web::http::Uri;
use actix_web::rt::net::TcpStream;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use awc::{Client, Connector};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Upstream connections per worker: more than the 200 concurrent streams of the stress scenario.
const UPSTREAM_CONNECTIONS: usize = 256;
/// How long SIGTERM waits for in-flight streams (actix-web handles the signal itself).
const SHUTDOWN_GRACE_SECS: u64 = 10;

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

struct Upstream {
    url: String,
}

fn fail(message: &str) -> ! {
    eprintln!("rust-actix: {message}");
    process::exit(2);
}

fn upstream_url() -> String {
    let raw = env::var("STUB_URL").unwrap_or_else(|_| fail("environment variable STUB_URL is required"));
    let base: Uri = raw.parse().unwrap_or_else(|e| fail(&format!("STUB_URL {raw:?} is not a URL: {e}")));
    match (base.scheme_str(), base.authority()) {
        (Some("http"), Some(authority)) => format!("http://{authority}/v1/chat/completions"),
        _ => fail(&format!("STUB_URL {raw:?} must be http://host:port")),
    }
}

/// Header names that must not cross the proxy: hop-by-hop ones and those named in Connection.
fn hop_by_hop(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = HOP_BY_HOP.iter().map(|s| s.to_string()).collect();
    for value in headers.get_all(CONNECTION) {
        if let Ok(value) = value.to_str() {
            names.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()));
        }
    }
    names
}

fn forwarded(name: &HeaderName, skip: &[String]) -> bool {
    name != HOST && name != CONTENT_LENGTH && !skip.iter().any(|s| s == name.as_str())
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

async fn completions(req: HttpRequest, body: web::Bytes, client: web::Data<Client>, upstream: web::Data<Upstream>) -> HttpResponse {
    let skip = hop_by_hop(req.headers());
    let mut upstream_req = client.post(upstream.url.as_str());
    for (name, value) in req.headers().iter().filter(|(name, _)| forwarded(name, &skip)) {
        upstream_req = upstream_req.append_header((name.clone(), value.clone()));
    }
    let upstream_res = match upstream_req.send_body(body).await {
        Ok(res) => res,
        Err(awc::error::SendRequestError::Connect(e)) => {
            return bad_gateway("upstream_unreachable", format!("{}: {e}", upstream.url))
        }
        Err(e) => return bad_gateway("upstream_error", format!("{}: {e}", upstream.url)),
    };
    let mut res = HttpResponse::build(upstream_res.status());
    let skip = hop_by_hop(upstream_res.headers());
    for (name, value) in upstream_res.headers().iter().filter(|(name, _)| forwarded(name, &skip)) {
        res.append_header((name.clone(), value.clone()));
    }
    // The upstream response is a stream of chunks: each is written as it arrives, and a
    // client that leaves drops it, which closes the upstream connection.
    res.streaming(upstream_res)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

#[actix_web::main]
async fn main() -> io::Result<()> {
    let host = env::var("HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = env::var("PORT").unwrap_or_else(|_| fail("environment variable PORT is required"));
    let port: u16 = port.parse().unwrap_or_else(|_| fail(&format!("PORT must be an integer 0-65535, got {port:?}")));
    let upstream = web::Data::new(Upstream { url: upstream_url() });
    println!(r#"{{"msg":"listening","server":"rust-actix","address":"{host}:{port}","upstream":"{}"}}"#, upstream.url);

    HttpServer::new(move || {
        // awc clients are per worker (not Send): each worker keeps its own pool.
        let client = Client::builder()
            .connector(Connector::new().timeout(CONNECT_TIMEOUT).limit(UPSTREAM_CONNECTIONS))
            .disable_timeout()
            .finish();
        App::new()
            .app_data(web::Data::new(client))
            .app_data(upstream.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/v1/chat/completions", web::post().to(completions))
    })
    // actix-web leaves Nagle's algorithm on for accepted sockets: small SSE writes would
    // wait for the client's delayed ACK. The writeup's fix, applied on every connection.
    .on_connect(|conn, _ext| {
        if let Some(stream) = conn.downcast_ref::<TcpStream>() {
            let _ = stream.set_nodelay(true);
        }
    })
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .bind((host.as_str(), port))?
    .run()
    .await
}
