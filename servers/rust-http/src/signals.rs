//! SIGTERM and SIGINT without crates: std has no signal API, so the two libc calls
//! needed are declared by hand. The handler only touches atomics and calls shutdown(2),
//! both async-signal-safe; shutting the listening socket down wakes the blocked accept.

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
const SHUT_RDWR: i32 = 2;

static STOPPING: AtomicBool = AtomicBool::new(false);
static LISTENER_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    fn shutdown(fd: i32, how: i32) -> i32;
}

extern "C" fn on_stop_signal(_signum: i32) {
    STOPPING.store(true, Ordering::SeqCst);
    let fd = LISTENER_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: shutdown(2) on a descriptor that lives as long as main's listener.
        unsafe { shutdown(fd, SHUT_RDWR) };
    }
}

/// Makes SIGTERM and SIGINT stop the accept loop on `listener`.
pub fn stop_accepting_on_signal(listener: &TcpListener) {
    LISTENER_FD.store(listener.as_raw_fd(), Ordering::SeqCst);
    // SAFETY: the handler is async-signal-safe (see the module comment).
    unsafe {
        signal(SIGTERM, on_stop_signal);
        signal(SIGINT, on_stop_signal);
    }
}

/// Whether a stop signal has arrived.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}
