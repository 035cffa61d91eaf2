//! rust-hyper: an SSE streaming proxy on hyper 0.14 and tokio, for ssebench.
//! The contract it keeps is in servers/README.md.

mod limits;
mod proxy;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use std::{env, process};

use hyper::client::HttpConnector;
use hyper::server::conn::AddrIncoming;
use hyper::service::{make_service_fn, service_fn};
use hyper::{Client, Server, Uri};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::oneshot;

use limits::{TimedIncoming, TimedIo, Tracked};
use proxy::Proxy;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle upstream connections kept: more than the 200 concurrent streams of the stress scenario.
const POOL_MAX_IDLE: usize = 256;
/// How long SIGTERM waits for in-flight streams before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The request line and headers: hyper's read buffer may grow to this while it waits for the
/// end of a head, and answers 431 beyond (servers/README.md, "Slow clients and limits").
const MAX_HEAD_BYTES: usize = 16 * 1024;

fn fail(message: &str) -> ! {
    eprintln!("rust-hyper: {message}");
    process::exit(2);
}

fn listen_address() -> SocketAddr {
    let host = env::var("HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = env::var("PORT").unwrap_or_else(|_| fail("environment variable PORT is required"));
    let port: u16 = port
        .parse()
        .unwrap_or_else(|_| fail(&format!("PORT must be an integer 0-65535, got {port:?}")));
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse().unwrap_or_else(|_| fail(&format!("HOST must be an IP address, got {host:?}")));
    SocketAddr::new(ip, port)
}

fn upstream_uri() -> Uri {
    let raw = env::var("STUB_URL").unwrap_or_else(|_| fail("environment variable STUB_URL is required"));
    let base: Uri = raw.parse().unwrap_or_else(|e| fail(&format!("STUB_URL {raw:?} is not a URL: {e}")));
    if base.scheme_str() != Some("http") || base.authority().is_none() {
        fail(&format!("STUB_URL {raw:?} must be http://host:port"));
    }
    let authority = base.authority().map(|a| a.as_str()).unwrap_or_default();
    format!("http://{authority}/v1/chat/completions")
        .parse()
        .unwrap_or_else(|e| fail(&format!("STUB_URL {raw:?}: {e}")))
}

#[tokio::main]
async fn main() {
    let address = listen_address();
    let upstream = upstream_uri();

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let client = Client::builder().pool_max_idle_per_host(POOL_MAX_IDLE).build(connector);
    let proxy = Arc::new(Proxy::new(client, upstream.clone()));

    let mut incoming = AddrIncoming::bind(&address).unwrap_or_else(|e| fail(&format!("listen on {address}: {e}")));
    // hyper leaves Nagle's algorithm on for accepted sockets: small SSE writes would wait for ACKs.
    incoming.set_nodelay(true);
    let bound = incoming.local_addr();

    let make_service = make_service_fn(move |conn: &TimedIo| {
        let proxy = Arc::clone(&proxy);
        let phase = conn.phase();
        async move {
            Ok::<_, Infallible>(service_fn(move |req| {
                // The head is in: no head or idle limit until the response is done with.
                let idle_after = phase.busy();
                let proxy = Arc::clone(&proxy);
                async move {
                    let res = proxy.handle(req).await?;
                    Ok::<_, Infallible>(res.map(|body| Tracked { body, _idle: idle_after }))
                }
            }))
        }
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let server = Server::builder(TimedIncoming(incoming))
        .http1_only(true)
        .http1_max_buf_size(MAX_HEAD_BYTES)
        .serve(make_service)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        });
    println!(r#"{{"msg":"listening","server":"rust-hyper","address":"{bound}","upstream":"{upstream}"}}"#);
    let server = tokio::spawn(server);

    let signal_name = stop_signal().await;
    println!(r#"{{"msg":"shutting down","signal":"{signal_name}"}}"#);
    let _ = stop.send(());
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(Err(e))) => eprintln!("rust-hyper: server: {e}"),
        Err(_) => eprintln!("rust-hyper: streams still open after {SHUTDOWN_GRACE:?}, exiting anyway"),
        _ => {}
    }
    process::exit(0);
}

async fn stop_signal() -> &'static str {
    let mut term = signal(SignalKind::terminate()).unwrap_or_else(|e| fail(&format!("SIGTERM handler: {e}")));
    let mut int = signal(SignalKind::interrupt()).unwrap_or_else(|e| fail(&format!("SIGINT handler: {e}")));
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
