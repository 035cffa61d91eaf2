//! The proxy service: requests forwarded with hyper's pooled client, the upstream body
//! handed to the server as it is, so each chunk is written as soon as it arrives.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Bytes, HttpBody};
use hyper::client::HttpConnector;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Body, Client, Method, Request, Response, StatusCode, Uri};

/// The largest request body the proxy reads (servers/README.md, "Slow clients and limits"):
/// more is answered 413 without reading the rest.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// How long the body may take from the end of the head; 408 beyond.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

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

pub struct Proxy {
    client: Client<HttpConnector>,
    upstream: Uri,
}

impl Proxy {
    pub fn new(client: Client<HttpConnector>, upstream: Uri) -> Self {
        Proxy { client, upstream }
    }

    pub async fn handle(self: Arc<Self>, req: Request<Body>) -> Result<Response<Body>, Infallible> {
        let response = match (req.method(), req.uri().path()) {
            (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
            (&Method::POST, "/v1/chat/completions") => self.forward(req).await,
            (_, "/v1/chat/completions") => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        };
        Ok(response)
    }

    async fn forward(&self, req: Request<Body>) -> Response<Body> {
        let (parts, body) = req.into_parts();
        // The small JSON body is read whole so that it goes upstream with a Content-Length,
        // up to MAX_BODY_BYTES: a declared or streamed body over it is refused.
        // Both refusals close the connection: the rest of the body is left unread.
        let body = match tokio::time::timeout(BODY_TIMEOUT, read_limited(body, MAX_BODY_BYTES)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(BodyError::TooLarge)) => {
                return closing(json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request_error",
                    &format!("request body over {MAX_BODY_BYTES} bytes"),
                ))
            }
            Ok(Err(BodyError::Read(e))) => return text(StatusCode::BAD_REQUEST, &format!("reading the request body: {e}\n")),
            Err(_) => {
                return closing(json_error(
                    StatusCode::REQUEST_TIMEOUT,
                    "invalid_request_error",
                    &format!("request body not received within {BODY_TIMEOUT:?}"),
                ))
            }
        };
        let mut upstream_req = Request::new(Body::from(body));
        *upstream_req.method_mut() = Method::POST;
        *upstream_req.uri_mut() = self.upstream.clone();
        *upstream_req.headers_mut() = end_to_end(&parts.headers);

        match self.client.request(upstream_req).await {
            Ok(upstream_res) => {
                let (mut parts, body) = upstream_res.into_parts();
                parts.headers = end_to_end(&parts.headers);
                // The upstream Body goes out as it is: dropping it (a client that left)
                // closes the upstream connection, which cancels the stream there.
                Response::from_parts(parts, body)
            }
            Err(e) if e.is_connect() => bad_gateway("upstream_unreachable", &format!("{}: {e}", self.upstream)),
            Err(e) => bad_gateway("upstream_error", &format!("{}: {e}", self.upstream)),
        }
    }
}

enum BodyError {
    TooLarge,
    Read(hyper::Error),
}

/// Reads a body whole, refusing it as soon as it is known to pass `limit` bytes: at once
/// when its Content-Length says so, else when the chunks received so far do.
async fn read_limited(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
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
        out.append(HeaderName::clone(name), HeaderValue::clone(value));
    }
    out
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

fn closing(mut res: Response<Body>) -> Response<Body> {
    res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    res
}

fn bad_gateway(kind: &str, message: &str) -> Response<Body> {
    json_error(StatusCode::BAD_GATEWAY, kind, message)
}

fn json_error(status: StatusCode, kind: &str, message: &str) -> Response<Body> {
    let body = format!(r#"{{"error":{{"message":{},"type":"{kind}"}}}}"#, json_string(message));
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
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
        let kept = end_to_end(&headers);
        let kept: Vec<&str> = kept.keys().map(|k| k.as_str()).collect();
        assert_eq!(kept, ["x-stub-tokens", "content-type"]);
    }

    #[test]
    fn escapes_json_strings() {
        assert_eq!(json_string("a \"b\"\\\n"), r#""a \"b\"\\\u000a""#);
    }

    /// A proxy whose upstream refuses connections: a request that gets past the body
    /// check answers 502, one refused by it 413 (servers/README.md's limit, 1 MiB).
    fn proxy_to_nowhere() -> Arc<Proxy> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let upstream: Uri = format!("http://127.0.0.1:{port}/v1/chat/completions").parse().unwrap();
        Arc::new(Proxy::new(Client::new(), upstream))
    }

    fn post(body: Body, content_length: Option<usize>) -> Request<Body> {
        let mut req = Request::builder().method(Method::POST).uri("/v1/chat/completions");
        if let Some(n) = content_length {
            req = req.header(CONTENT_LENGTH, n);
        }
        req.body(body).unwrap()
    }

    const LIMIT: usize = 1 << 20;

    #[tokio::test]
    async fn refuses_a_body_over_the_limit_with_413() {
        let proxy = proxy_to_nowhere();
        let at_limit = Arc::clone(&proxy).handle(post(Body::from(vec![b'x'; LIMIT]), Some(LIMIT))).await.unwrap();
        assert_eq!(at_limit.status(), StatusCode::BAD_GATEWAY, "a body of exactly the limit is forwarded");
        let over = Arc::clone(&proxy).handle(post(Body::from(vec![b'x'; LIMIT + 1]), Some(LIMIT + 1))).await.unwrap();
        assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = hyper::body::to_bytes(over.into_body()).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("1048576") && body.contains("invalid_request_error"), "413 body: {body}");
    }

    /// A chunked body with no Content-Length is counted as it arrives: the proxy answers 413
    /// after about the limit, while the client still has most of its 64 MiB to send.
    #[tokio::test]
    async fn stops_reading_an_endless_chunked_body() {
        let proxy = proxy_to_nowhere();
        let (mut sender, body) = Body::channel();
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&sent);
        let feeder = tokio::spawn(async move {
            let chunk = hyper::body::Bytes::from(vec![b'x'; 64 << 10]);
            for _ in 0..1024 {
                if sender.send_data(chunk.clone()).await.is_err() {
                    return; // the proxy dropped the body
                }
                counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::SeqCst);
            }
        });
        let res = tokio::time::timeout(std::time::Duration::from_secs(20), Arc::clone(&proxy).handle(post(body, None)))
            .await
            .expect("the proxy read the endless body for 20 s")
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        drop(res);
        feeder.await.unwrap();
        let sent = sent.load(std::sync::atomic::Ordering::SeqCst);
        assert!(sent <= LIMIT + (256 << 10), "the proxy took {sent} bytes of body");
    }
}
