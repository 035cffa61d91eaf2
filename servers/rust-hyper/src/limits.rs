//! Time limits on client connections that hyper 0.14 does not keep itself
//! (servers/README.md, "Slow clients and limits"): a request head must arrive within
//! HEAD_TIMEOUT of its first byte, and a kept-alive connection may stay idle for
//! IDLE_TIMEOUT. hyper 0.14 has no idle timeout, and its header read timeout (0.14.19) starts
//! again at every read, so a client sending a byte now and then is never cut off.
//!
//! The connection's I/O and its service share the phase the connection is in: idle (between
//! requests), reading a head (from its first byte), or busy (the head is in: the body is
//! timed by the handler, and the response streams for as long as the upstream does).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hyper::body::{Bytes, HttpBody};
use hyper::server::accept::Accept;
use hyper::server::conn::{AddrIncoming, AddrStream};
use hyper::{Body, HeaderMap};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// From the first byte of a request head to its end.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a kept-alive connection waits for its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Phase {
    Idle,
    Head,
    Busy,
}

/// The phase of one connection, when it began, and the connection's reader to wake when it
/// becomes idle: hyper may be waiting on a read it polled while busy, with no timer armed.
#[derive(Clone)]
pub struct ConnPhase(Arc<Mutex<PhaseState>>);

struct PhaseState {
    phase: Phase,
    since: Instant,
    reader: Option<Waker>,
}

impl ConnPhase {
    fn new() -> Self {
        ConnPhase(Arc::new(Mutex::new(PhaseState { phase: Phase::Idle, since: Instant::now(), reader: None })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PhaseState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self) -> (Phase, Instant) {
        let state = self.lock();
        (state.phase, state.since)
    }

    fn set(&self, phase: Phase) {
        let mut state = self.lock();
        state.phase = phase;
        state.since = Instant::now();
    }

    /// Remembers the task of a read left pending while busy.
    fn wake_when_idle(&self, waker: &Waker) {
        self.lock().reader = Some(waker.clone());
    }

    /// The head has been read: the service runs. Returns the guard that makes the connection
    /// idle again when the response is done with.
    pub fn busy(&self) -> IdleOnDrop {
        self.set(Phase::Busy);
        IdleOnDrop(self.clone())
    }
}

/// Marks the connection idle when dropped, with the response body, and wakes its reader so
/// that the idle timer is armed.
pub struct IdleOnDrop(ConnPhase);

impl Drop for IdleOnDrop {
    fn drop(&mut self) {
        let reader = {
            let mut state = self.0.lock();
            state.phase = Phase::Idle;
            state.since = Instant::now();
            state.reader.take()
        };
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

/// A client connection whose reads fail with TimedOut when the phase's limit passes.
pub struct TimedIo {
    /// Taken only by Drop.
    io: Option<AddrStream>,
    phase: ConnPhase,
    timer: Pin<Box<Sleep>>,
}

impl TimedIo {
    pub fn phase(&self) -> ConnPhase {
        self.phase.clone()
    }
}

impl TimedIo {
    fn io(&mut self) -> Pin<&mut AddrStream> {
        Pin::new(self.io.as_mut().expect("the stream is taken only by Drop"))
    }
}

/// How long a closed connection reads and drops what the client still sends.
const LINGER: Duration = Duration::from_secs(1);

impl Drop for TimedIo {
    /// Closing a socket with request bytes unread sends a reset, which can destroy a refusal
    /// (413, 408) in the client's buffers before it is read: so the socket is shut for
    /// writing, and what the client still sends is read and dropped for a moment first, as
    /// net/http does.
    fn drop(&mut self) {
        let (Some(io), Ok(runtime)) = (self.io.take(), tokio::runtime::Handle::try_current()) else { return };
        runtime.spawn(linger(io));
    }
}

async fn linger(mut io: AddrStream) {
    let _ = std::future::poll_fn(|cx| Pin::new(&mut io).poll_shutdown(cx)).await;
    let mut sink = [0u8; 16 * 1024];
    let drain = std::future::poll_fn(|cx| loop {
        let mut buf = ReadBuf::new(&mut sink);
        match Pin::new(&mut io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if !buf.filled().is_empty() => continue,
            Poll::Ready(_) => return Poll::Ready(()),
            Poll::Pending => return Poll::Pending,
        }
    });
    let _ = tokio::time::timeout(LINGER, drain).await;
}

impl AsyncRead for TimedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = this.io().poll_read(cx, buf);
        let (phase, since) = this.phase.get();
        match polled {
            Poll::Ready(Ok(())) if buf.filled().len() > before && phase == Phase::Idle => this.phase.set(Phase::Head),
            Poll::Pending if phase == Phase::Busy => this.phase.wake_when_idle(cx.waker()),
            Poll::Pending => {
                let limit = if phase == Phase::Idle { IDLE_TIMEOUT } else { HEAD_TIMEOUT };
                let deadline = since + limit;
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                if this.timer.as_mut().poll(cx).is_ready() {
                    let what = if phase == Phase::Idle { "idle connection" } else { "request head" };
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, format!("{what} over {limit:?}"))));
                }
            }
            _ => {}
        }
        polled
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_shutdown(cx)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.is_write_vectored())
    }
}

/// hyper's listener, each connection wrapped in TimedIo.
pub struct TimedIncoming(pub AddrIncoming);

impl Accept for TimedIncoming {
    type Conn = TimedIo;
    type Error = io::Error;

    fn poll_accept(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<TimedIo, io::Error>>> {
        Pin::new(&mut self.get_mut().0).poll_accept(cx).map(|accepted| {
            accepted.map(|conn| {
                conn.map(|io| TimedIo { io: Some(io), phase: ConnPhase::new(), timer: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)) })
            })
        })
    }
}

/// A response body that makes its connection idle again once hyper is done with it.
pub struct Tracked {
    pub body: Body,
    pub _idle: IdleOnDrop,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_data(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_data(cx)
    }

    fn poll_trailers(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, hyper::Error>> {
        Pin::new(&mut self.get_mut().body).poll_trailers(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}
