//! rust-http: an SSE streaming proxy on std::net, a thread per connection, for ssebench.
//! The contract it keeps is in servers/README.md.

mod chunked;
mod http;
mod relay;
mod signals;
mod upstream;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::{env, process, thread};

use upstream::Upstream;

/// How long SIGTERM waits for in-flight streams before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

static ACTIVE_STREAMS: AtomicUsize = AtomicUsize::new(0);

/// Counts a proxied stream as in flight for as long as it lives.
pub struct ActiveStream;

impl ActiveStream {
    pub fn begin() -> Self {
        ACTIVE_STREAMS.fetch_add(1, Ordering::SeqCst);
        ActiveStream
    }
}

impl Drop for ActiveStream {
    fn drop(&mut self) {
        ACTIVE_STREAMS.fetch_sub(1, Ordering::SeqCst);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("rust-http: {message}");
    process::exit(2);
}

fn listen_address() -> String {
    let host = env::var("HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = env::var("PORT").unwrap_or_else(|_| fail("environment variable PORT is required"));
    let port: u16 = port
        .parse()
        .unwrap_or_else(|_| fail(&format!("PORT must be an integer 0-65535, got {port:?}")));
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn main() {
    let address = listen_address();
    let stub_url = env::var("STUB_URL").unwrap_or_else(|_| fail("environment variable STUB_URL is required"));
    let upstream = Arc::new(Upstream::from_url(&stub_url).unwrap_or_else(|e| fail(&format!("STUB_URL: {e}"))));
    let listener = TcpListener::bind(&address).unwrap_or_else(|e| fail(&format!("listen on {address}: {e}")));
    signals::stop_accepting_on_signal(&listener);
    let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or(address);
    println!(r#"{{"msg":"listening","server":"rust-http","address":"{bound}","upstream":"{stub_url}"}}"#);

    for conn in listener.incoming() {
        if signals::stopping() {
            break;
        }
        match conn {
            Ok(stream) => {
                let upstream = Arc::clone(&upstream);
                thread::spawn(move || http::serve_connection(stream, &upstream));
            }
            Err(e) => {
                eprintln!("rust-http: accept: {e}");
                // Out of descriptors or memory: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
    println!(r#"{{"msg":"shutting down","active_streams":{}}}"#, ACTIVE_STREAMS.load(Ordering::SeqCst));
    wait_for_active_streams(SHUTDOWN_GRACE);
    process::exit(0);
}

fn wait_for_active_streams(grace: Duration) {
    let deadline = Instant::now() + grace;
    while ACTIVE_STREAMS.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
}
