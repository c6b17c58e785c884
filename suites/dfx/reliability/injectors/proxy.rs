//! The proxy's toxics, seen by the validating client: slices at every byte still parse,
//! a data limit mid-stream is a failed request (not a hang), latency and bandwidth slow answers
//! down, a reset is a connection error, a timeout closes the connection or holds the data until
//! it is removed. Timing checks are lower bounds with generous margins: the machine may be busy.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use omnitest::prelude::*;

use crate::dfx::reliability::not_injected;

const MODEL: &str = "Qwen/Qwen3-Omni-30B-A3B-Instruct";

/// A mock with fast, steady tokens.
static UPSTREAM: Scenario =
    Scenario::mock(MODEL, "qwen3-omni").id("proxied").args(&["--ttft-ms", "5", "--itl-ms", "2", "--jitter", "0"]);

fn start_proxy(server: &Server) -> Result<FaultProxy, TestError> {
    FaultProxy::start(server.url()).map_err(not_injected)
}

/// A client that talks to the server through `proxy`, giving each request `timeout`.
fn through(proxy: &FaultProxy, timeout: Duration) -> Client {
    Client::new(proxy.url(), Level::CoreModel).with_timeout(timeout)
}

/// A streamed text answer of `tokens` tokens.
fn streamed_text(tokens: u32) -> OmniRequest {
    OmniRequest::new(MODEL, Messages::user("Tell me about lighthouses."))
        .modalities(&[Modality::Text])
        .stream(true)
        .max_tokens(tokens)
}

omni_test! {
    /// A slicer cutting every byte into a write of its own: the SSE frames arrive split at
    /// every byte, and the validating client still parses the stream to the same text as a
    /// direct request.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_slicer_splits_sse_frames_at_every_byte(server: &Server, client: &Client) -> TestResult {
        let request = streamed_text(24);
        let direct = client.send_omni_request(&request, 1)?.remove(0);
        let proxy = start_proxy(server)?;
        proxy.add(Direction::Downstream, Toxic::slice_every_byte());
        let proxied = through(&proxy, Duration::from_secs(60));
        let sliced = proxied.send_omni_request(&request, 1)?.remove(0);
        let stats = proxy.stats();
        check!(stats.downstream.bytes > 500, "too little passed to show anything: {stats:?}");
        check_eq!(stats.downstream.largest_write, 1, "every byte must be a write of its own: {stats:?}");
        check_eq!(stats.downstream.writes, stats.downstream.bytes, "one write per byte: {stats:?}");
        check_eq!(sliced.text, direct.text, "the sliced stream must parse to the direct stream's text");
        check_eq!(sliced.chunks, direct.chunks);
        Ok(())
    }

    /// A slicer with random slice sizes (1 to 9 bytes) and a pause between slices: the stream
    /// still parses.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_slicer_with_varying_sizes_keeps_streams_whole(server: &Server, client: &Client) -> TestResult {
        let request = streamed_text(12);
        let direct = client.send_omni_request(&request, 1)?.remove(0);
        let proxy = start_proxy(server)?;
        let slicer = Toxic::Slicer { average_size: 5, size_variation: 4, delay: Duration::from_micros(200) };
        proxy.add(Direction::Downstream, slicer);
        let proxied = through(&proxy, Duration::from_secs(60));
        let sliced = proxied.send_omni_request(&request, 1)?.remove(0);
        let stats = proxy.stats();
        check!(stats.downstream.largest_write <= 9, "slices must be at most 9 bytes: {stats:?}");
        check!(stats.downstream.writes > stats.downstream.bytes / 9, "{stats:?}");
        check_eq!(sliced.text, direct.text);
        Ok(())
    }

    /// limit_data cutting a stream after 1,500 bytes: the request fails with the stream cut
    /// short, well before its timeout, and exactly 1,500 bytes passed.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_limit_data_mid_stream_fails_the_request(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        proxy.add(Direction::Downstream, Toxic::limit_data(1500));
        let timeout = Duration::from_secs(30);
        let proxied = through(&proxy, timeout);
        let started = Instant::now();
        let result = proxied.send_omni_request(&streamed_text(400).extra("ignore_eos", serde_json::json!(true)), 1);
        let took = started.elapsed();
        let Err(err) = result else {
            return Err(TestError::failure("a stream cut after 1,500 bytes passed as a complete answer"));
        };
        check!(took < timeout / 2, "the cut stream took {took:?} to fail: it hung instead of failing");
        check_eq!(proxy.stats().downstream.bytes, 1500, "the limit must let exactly 1,500 bytes through");
        let message = err.message().to_lowercase();
        check!(
            ["without [done]", "connection", "closed", "error decoding"].iter().any(|w| message.contains(w)),
            "the failure should say the stream was cut: {}",
            err.message()
        );
        Ok(())
    }

    /// Latency of 200 ms upstream and 300 ms downstream: a request takes at least the sum; once
    /// removed, the toxics are gone.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_latency_delays_both_directions(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        let up = proxy.add(Direction::Upstream, Toxic::latency(Duration::from_millis(200)));
        let down = proxy.add(Direction::Downstream, Toxic::Latency {
            latency: Duration::from_millis(300),
            jitter: Duration::from_millis(20),
        });
        let proxied = through(&proxy, Duration::from_secs(30));
        let health = proxied.health()?;
        check_eq!(health.status, 200);
        let took = health.elapsed;
        check!(took >= Duration::from_millis(470), "200 + 300 ms of latency, yet the answer took {took:?}");
        check!(proxy.remove(up) && proxy.remove(down), "both toxics must have been in place");
        check!(proxy.toxics().is_empty());
        check!(!proxy.remove(up), "a toxic removed twice");
        Ok(())
    }

    /// Bandwidth of 128 KB/s: an answer of N bytes (a short text with its speech, about
    /// 200 KB) takes at least N / 128,000 s, less 20 % for the bytes socket buffers absorb.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_bandwidth_limits_the_rate(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        proxy.add(Direction::Downstream, Toxic::bandwidth(128));
        let proxied = through(&proxy, Duration::from_secs(60));
        let request = OmniRequest::new(MODEL, Messages::user("Say something.")).max_tokens(5);
        let started = Instant::now();
        let answer = proxied.post_json("/v1/chat/completions", &request.body())?;
        let took = started.elapsed();
        check_eq!(answer.status, 200, "{}", answer.text());
        let bytes = answer.body.len() as f64;
        check!(bytes > 128_000.0, "the answer ({bytes} bytes) is too small to show the rate");
        let floor = Duration::from_secs_f64(bytes / 128_000.0 * 0.8);
        check!(took >= floor, "{bytes} bytes at 128 KB/s took only {took:?} (at least {floor:?} expected)");
        Ok(())
    }

    /// reset_peer: the connection is reset (TCP RST), which a raw socket reads as "connection
    /// reset" and the client reports as a failed request.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_reset_peer_resets_the_connection(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        proxy.add(Direction::Downstream, Toxic::reset_peer(Duration::from_millis(100)));
        let mut socket = std::net::TcpStream::connect(proxy.address())?;
        socket.set_read_timeout(Some(Duration::from_secs(10)))?;
        // Nothing is sent: the reset comes after 100 ms whatever the traffic.
        let mut buffer = [0u8; 64];
        let read = socket.read(&mut buffer);
        check!(
            matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "a reset connection must read as ECONNRESET, got {read:?}"
        );
        let proxied = through(&proxy, Duration::from_secs(10));
        let started = Instant::now();
        // 2,000 tokens 2 ms apart: the stream is still running when the reset comes.
        let result = proxied.send_omni_request(&streamed_text(2000).extra("ignore_eos", serde_json::json!(true)), 1);
        let Err(err) = result else {
            return Err(TestError::failure("a stream over a connection reset after 100 ms completed"));
        };
        check!(err.message().to_lowercase().contains("reset"), "the failure should name the reset: {}", err.message());
        let took = started.elapsed();
        check!(took < Duration::from_secs(8), "the reset took {took:?} to fail the request");
        Ok(())
    }

    /// timeout with a deadline: no data passes and the connection closes after 500 ms, which
    /// the client sees as a failed request, not a hang.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_timeout_closes_the_connection(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        proxy.add(Direction::Downstream, Toxic::timeout(Some(Duration::from_millis(500))));
        let proxied = through(&proxy, Duration::from_secs(20));
        let started = Instant::now();
        let result = proxied.health();
        let took = started.elapsed();
        check!(result.is_err(), "an answer came through a timeout toxic: {:?}", result.map(|a| a.status));
        check!(took >= Duration::from_millis(450), "the connection closed after {took:?}, before the timeout");
        check!(took < Duration::from_secs(10), "the connection took {took:?} to close: it hung");
        Ok(())
    }

    /// timeout without a deadline holds the answer back; once the toxic is removed, the held
    /// answer arrives on the same connection.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_timeout_holds_data_until_removed(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        let hold = proxy.add(Direction::Downstream, Toxic::timeout(None));
        let proxied = through(&proxy, Duration::from_secs(20));
        let answer = std::thread::scope(|scope| {
            let waiting = scope.spawn(|| proxied.health());
            std::thread::sleep(Duration::from_millis(600));
            let still_waiting = !waiting.is_finished();
            proxy.remove(hold);
            (still_waiting, waiting.join())
        });
        check!(answer.0, "the answer came through while the timeout toxic held the connection");
        match answer.1 {
            Ok(Ok(health)) => check_eq!(health.status, 200),
            Ok(Err(err)) => return Err(err.context("the held answer did not arrive once the toxic was removed")),
            Err(_) => return Err(TestError::harness("the waiting thread panicked")),
        }
        check_eq!(proxy.stats().connections, 1, "the answer must come on the held connection");
        Ok(())
    }

    /// Dropping the proxy stops it: its port refuses connections afterwards.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(UPSTREAM)]
    fn test_dropped_proxy_stops_listening(server: &Server) -> TestResult {
        let proxy = start_proxy(server)?;
        let address = proxy.address();
        let mut socket = std::net::TcpStream::connect(address)?;
        socket.write_all(b"GET /health HTTP/1.0\r\n\r\n")?;
        drop(proxy);
        std::thread::sleep(Duration::from_millis(100));
        let refused = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2));
        check!(refused.is_err(), "the port still accepts connections after the proxy was dropped");
        Ok(())
    }
}
