//! The proxy service: requests forwarded with hyper's pooled client, the upstream body
//! handed to the server as it is, so each chunk is written as soon as it arrives.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::client::HttpConnector;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Body, Client, Method, Request, Response, StatusCode, Uri};

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
        // The small JSON body is read whole so that it goes upstream with a Content-Length.
        let body = match hyper::body::to_bytes(body).await {
            Ok(bytes) => bytes,
            Err(e) => return text(StatusCode::BAD_REQUEST, &format!("reading the request body: {e}\n")),
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

fn bad_gateway(kind: &str, message: &str) -> Response<Body> {
    let body = format!(r#"{{"error":{{"message":{},"type":"{kind}"}}}}"#, json_string(message));
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::BAD_GATEWAY;
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
}
