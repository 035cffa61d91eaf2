//! rust-http: an SSE streaming proxy on std::net, a thread per connection, for ssebench.
//! The contract it keeps is in servers/README.md.

mod chunked;
mod http;
mod relay;
mod signals;
mod upstream;

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::{env, process, thread};

use upstream::Upstream;

/// How long SIGTERM waits for in-flight streams before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Connections served at once, a thread each: well above the 200 concurrent streams of the
/// stress scenario, well below what makes the OS refuse a thread. One more is answered 503.
const MAX_CONNECTIONS: usize = 2048;

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Counts a connection as served for as long as its thread holds it.
struct ConnectionSlot;

impl ConnectionSlot {
    /// A slot, or `None` when MAX_CONNECTIONS are being served.
    fn take() -> Option<Self> {
        let taken = CONNECTIONS.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < MAX_CONNECTIONS).then_some(n + 1));
        taken.ok().map(|_| ConnectionSlot)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

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
            Ok(stream) => serve_in_thread(stream, &upstream),
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

/// Serves a connection on a thread of its own, or refuses it with 503 when MAX_CONNECTIONS
/// are being served already or the OS will not start another thread (where thread::spawn
/// would panic).
fn serve_in_thread(stream: TcpStream, upstream: &Arc<Upstream>) {
    let Some(slot) = ConnectionSlot::take() else {
        return refuse(stream, "too many connections");
    };
    // A second handle to answer with, should the thread not start: the first moves into it.
    let spare = stream.try_clone();
    let upstream = Arc::clone(upstream);
    let spawned = thread::Builder::new().spawn(move || {
        let _slot = slot;
        http::serve_connection(stream, &upstream)
    });
    if let Err(e) = spawned {
        eprintln!("rust-http: cannot start a thread for a connection: {e}");
        if let Ok(spare) = spare {
            refuse(spare, "no thread for this connection");
        }
    }
}

fn refuse(mut stream: TcpStream, why: &str) {
    // The accept loop must not wait on a client that does not read.
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = http::write_simple(&mut stream, 503, "text/plain; charset=utf-8", format!("{why}\n").as_bytes(), false);
}

fn wait_for_active_streams(grace: Duration) {
    let deadline = Instant::now() + grace;
    while ACTIVE_STREAMS.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// At MAX_CONNECTIONS, the next connection gets 503 from the accept loop, not a thread;
    /// a slot given back makes room again.
    #[test]
    fn refuses_connections_over_the_limit_with_503() {
        let held: Vec<ConnectionSlot> = std::iter::from_fn(ConnectionSlot::take).take(MAX_CONNECTIONS + 1).collect();
        assert_eq!(held.len(), MAX_CONNECTIONS, "slots beyond the limit were handed out");

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let upstream = Arc::new(Upstream::from_url("http://127.0.0.1:1").unwrap());
        serve_in_thread(accepted, &upstream);
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 503 "), "answer: {answer:?}");

        drop(held);
        assert!(ConnectionSlot::take().is_some(), "a slot given back is not free again");
    }
}
