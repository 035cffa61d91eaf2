//! The proxy routes: requests forwarded with hyper-util's pooled client, the upstream
//! body handed to axum as it is, so each chunk is written as soon as it arrives.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{HeaderMap, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Body as HttpBody;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The largest request body read (servers/README.md, "Slow clients and limits"): more is
/// answered 413 without reading the rest.
const MAX_BODY_BYTES: usize = 1 << 20;
/// How long the body may take from the end of the head; 408 beyond.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle upstream connections kept: more than the 200 concurrent streams of the stress scenario.
const POOL_MAX_IDLE: usize = 256;

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
    client: Client<HttpConnector, Body>,
    uri: Uri,
}

/// The application: /healthz and the proxied /v1/chat/completions.
pub fn router(stub_url: &str) -> Result<Router, String> {
    let base: Uri = stub_url.parse().map_err(|e| format!("{stub_url:?} is not a URL: {e}"))?;
    let authority = match (base.scheme_str(), base.authority()) {
        (Some("http"), Some(authority)) => authority.to_string(),
        _ => return Err(format!("{stub_url:?} must be http://host:port")),
    };
    let uri: Uri = format!("http://{authority}/v1/chat/completions").parse().map_err(|e| format!("{e}"))?;

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(POOL_MAX_IDLE).build(connector);

    Ok(Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/v1/chat/completions", post(completions))
        .with_state(Arc::new(Upstream { client, uri })))
}

async fn completions(State(upstream): State<Arc<Upstream>>, headers: HeaderMap, body: Body) -> Response {
    // Both refusals close the connection: the rest of the body is left unread.
    let body = match tokio::time::timeout(BODY_TIMEOUT, read_limited(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(BodyError::TooLarge)) => {
            let message = format!("request body over {MAX_BODY_BYTES} bytes");
            return closing(json_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", &message));
        }
        Ok(Err(BodyError::Read(e))) => return (StatusCode::BAD_REQUEST, format!("reading the request body: {e}\n")).into_response(),
        Err(_) => {
            let message = format!("request body not received within {BODY_TIMEOUT:?}");
            return closing(json_error(StatusCode::REQUEST_TIMEOUT, "invalid_request_error", &message));
        }
    };
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = axum::http::Method::POST;
    *request.uri_mut() = upstream.uri.clone();
    *request.headers_mut() = end_to_end(&headers);

    match upstream.client.request(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            parts.headers = end_to_end(&parts.headers);
            // The upstream body goes out as it is: dropping it (a client that left) closes
            // the upstream connection, which cancels the stream there.
            Response::from_parts(parts, Body::new(body))
        }
        Err(e) if e.is_connect() => bad_gateway("upstream_unreachable", &format!("{}: {e}", upstream.uri)),
        Err(e) => bad_gateway("upstream_error", &format!("{}: {e}", upstream.uri)),
    }
}

/// Headers without hop-by-hop ones, those named in Connection, Host and Content-Length.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower) || named.iter().any(|n| n == lower) || name == HOST || name == CONTENT_LENGTH {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

enum BodyError {
    TooLarge,
    Read(axum::Error),
}

/// Reads a body whole, refusing it as soon as it is known to pass `limit` bytes: at once
/// when its Content-Length says so, else when the chunks received so far do.
async fn read_limited(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(data) = frame.map_err(BodyError::Read)?.into_data() else { continue };
        if buf.len() + data.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&data);
    }
    Ok(Bytes::from(buf))
}

fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn bad_gateway(kind: &str, message: &str) -> Response {
    json_error(StatusCode::BAD_GATEWAY, kind, message)
}

fn json_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = format!(r#"{{"error":{{"message":{},"type":"{kind}"}}}}"#, json_string(message));
    (status, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
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
