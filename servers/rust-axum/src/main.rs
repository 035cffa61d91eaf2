//! rust-axum: an SSE streaming proxy on axum 0.7 and hyper 1, for ssebench.
//! The contract it keeps is in servers/README.md.

mod limits;
mod proxy;

use std::net::SocketAddr;
use std::time::Duration;
use std::{env, process};

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower_service::Service;

/// How long SIGTERM waits for in-flight streams before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The request line and headers: hyper's read buffer may grow to this while it waits for the
/// end of a head, and answers 431 beyond (servers/README.md, "Slow clients and limits").
const MAX_HEAD_BYTES: usize = 16 * 1024;

fn fail(message: &str) -> ! {
    eprintln!("rust-axum: {message}");
    process::exit(2);
}

/// Whether accepted sockets get TCP_NODELAY: yes unless SSEBENCH_TCP_NODELAY is 0, false or
/// off, which leaves Nagle's algorithm on (hyper's default) to reproduce the writeup's
/// collapse. Upstream sockets keep TCP_NODELAY either way.
fn tcp_nodelay() -> bool {
    match env::var("SSEBENCH_TCP_NODELAY").unwrap_or_default().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "on" => true,
        "0" | "false" | "off" => false,
        other => fail(&format!("SSEBENCH_TCP_NODELAY must be 1 or 0, got {other:?}")),
    }
}

fn listen_address() -> SocketAddr {
    let host = env::var("HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = env::var("PORT").unwrap_or_else(|_| fail("environment variable PORT is required"));
    let port: u16 = port.parse().unwrap_or_else(|_| fail(&format!("PORT must be an integer 0-65535, got {port:?}")));
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse().unwrap_or_else(|_| fail(&format!("HOST must be an IP address, got {host:?}")));
    SocketAddr::new(ip, port)
}

#[tokio::main]
async fn main() {
    let address = listen_address();
    let nodelay = tcp_nodelay();
    let stub_url = env::var("STUB_URL").unwrap_or_else(|_| fail("environment variable STUB_URL is required"));
    let app = proxy::router(&stub_url).unwrap_or_else(|e| fail(&format!("STUB_URL: {e}")));
    let listener = TcpListener::bind(address).await.unwrap_or_else(|e| fail(&format!("listen on {address}: {e}")));
    println!(r#"{{"msg":"listening","server":"rust-axum","address":"{address}","upstream":"{stub_url}","tcp_nodelay":{nodelay}}}"#);

    let mut term = signal(SignalKind::terminate()).unwrap_or_else(|e| fail(&format!("SIGTERM handler: {e}")));
    let mut int = signal(SignalKind::interrupt()).unwrap_or_else(|e| fail(&format!("SIGINT handler: {e}")));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();

    // axum::serve would do, but hyper leaves Nagle's algorithm on for accepted sockets
    // and small SSE writes then wait for the client's delayed ACK: this accept loop sets
    // TCP_NODELAY on each connection, as the writeup's fix did.
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("rust-axum: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            Some(_) = connections.join_next() => continue,
            _ = term.recv() => break,
            _ = int.recv() => break,
        };
        if nodelay {
            if let Err(e) = stream.set_nodelay(true) {
                eprintln!("rust-axum: TCP_NODELAY: {e}");
            }
        }
        let service = app.clone();
        let mut stopping = stopping.clone();
        let io = limits::TimedIo::new(stream);
        let phase = io.phase();
        connections.spawn(async move {
            let hyper_service = hyper::service::service_fn(move |request: Request<Incoming>| {
                // The head is in: no head or idle limit until the response is done with.
                let idle_after = phase.busy();
                let response = service.clone().call(request);
                async move {
                    let response = response.await?;
                    Ok::<_, Infallible>(response.map(|body| Body::new(limits::Tracked { body, _idle: idle_after })))
                }
            });
            // No timer, so hyper's own header read timeout stays off: limits::TimedIo keeps the rule.
            let conn = http1::Builder::new().max_buf_size(MAX_HEAD_BYTES).serve_connection(TokioIo::new(io), hyper_service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }

    println!(r#"{{"msg":"shutting down","connections":{}}}"#, connections.len());
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        eprintln!("rust-axum: streams still open after {SHUTDOWN_GRACE:?}, exiting anyway");
    }
    process::exit(0);
}
