//! The accept loop on a real loopback socket: idle and slow connections are closed, and
//! a shutdown ends within its deadline even with connections left open (issue 21).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use unspin_detect::AnalyzerBuilder;
use unspin_server::{app, serve, AppState, ConnLimits, ServerConfig, Shutdown};

/// Starts a server with `limits` on a free loopback port; the sender stops it and the
/// join handle gives how the shutdown ended and when.
fn start(
    limits: ConnLimits,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<(Shutdown, Instant)>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let outcome = rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let state = AppState::new(AnalyzerBuilder::new().build(), ServerConfig::default());
            let signal = async {
                let _ = stop_rx.await;
            };
            serve(listener, app(state), &limits, signal).await
        });
        let ended = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        (outcome, ended)
    });
    (addr_rx.recv().unwrap(), stop_tx, handle)
}

/// Seconds until the server closes `conn` (reads return end of file or an error).
fn closed_after(mut conn: TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    conn.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue, // a 408 or similar before the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

#[test]
fn regression_21_silent_slow_and_idle_connections_are_closed() {
    let limits = ConnLimits {
        header_timeout: Duration::from_millis(300),
        shutdown_deadline: Duration::from_secs(1),
    };
    let (addr, stop, handle) = start(limits);
    // Says nothing.
    let silent = TcpStream::connect(addr).unwrap();
    // Half its headers.
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").unwrap();
    // One full request, then idle on keep-alive.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    for (name, conn) in [("silent", silent), ("half headers", half), ("idle keep-alive", idle)] {
        let after = closed_after(conn, Duration::from_secs(5));
        assert!(after.is_some_and(|d| d < Duration::from_secs(3)), "{name}: {after:?}");
    }
    stop.send(()).unwrap();
    assert_eq!(handle.join().unwrap().0, Shutdown::Clean);
}

#[test]
fn regression_21_shutdown_ends_within_its_deadline_with_connections_open() {
    // A long header timeout, so the connections are still open at shutdown.
    let limits = ConnLimits {
        header_timeout: Duration::from_secs(60),
        shutdown_deadline: Duration::from_millis(500),
    };
    let (addr, stop, handle) = start(limits);
    let _silent = TcpStream::connect(addr).unwrap();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"POST /api/v1/analyze HTTP/1.1\r\nHost: localhost\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let asked = Instant::now();
    stop.send(()).unwrap();
    let (outcome, ended) = handle.join().unwrap();
    let took = ended - asked;
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    // The half-sent request holds its connection until the deadline; the silent one may
    // be closed at once.
    assert!(matches!(outcome, Shutdown::Deadline(n) if n >= 1), "{outcome:?}");
}
