//! The `wait` job waits, then POSTs to a URL and reports the status; its type
//! declares host networking, so it reaches a server on the host's 127.0.0.1.

mod common;

use common::cli::cli;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Answers one request with `204 No Content`; returns the request's head.
fn serve_one(listener: TcpListener) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.ends_with(b"\r\n\r\n") {
            let read = stream.read(&mut buffer).expect("read the request");
            assert!(read > 0, "the request ended early");
            head.extend_from_slice(&buffer[..read]);
        }
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .expect("answer");
        String::from_utf8_lossy(&head).into_owned()
    })
}

#[test]
fn the_job_posts_to_a_local_server_after_waiting() {
    if !common::privileged("the_job_posts_to_a_local_server_after_waiting") {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = serve_one(listener);
    let cli = cli();
    let url = format!("http://127.0.0.1:{port}/hook?job=1");
    let id = cli.start(&["wait", "1", &url]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    assert_eq!(
        status["output"],
        serde_json::json!({ "status": 204, "reason": "No Content" })
    );
    assert_eq!(status["progress"]["done"], 1);
    assert_eq!(status["progress"]["total"], 1);
    let request = server.join().expect("the server");
    assert!(
        request.starts_with("POST /hook?job=1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(request.contains("Content-Length: 0\r\n"), "{request}");
    let tail = cli.run(&["jobs", "tail", &id]).stdout_text();
    assert!(
        tail.ends_with(&format!("POST {url} answered 204 No Content\n")),
        "{tail}"
    );
}

#[test]
fn a_refused_connection_fails_the_job() {
    if !common::privileged("a_refused_connection_fails_the_job") {
        return;
    }
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let cli = cli();
    let id = cli.start(&["wait", "0", &format!("http://127.0.0.1:{port}/")]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3);
    let error = status["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{status}"
    );
}

#[test]
fn https_and_bad_arguments_are_usage_errors() {
    let cli = cli();
    cli.run(&["jobs", "start", "wait", "1", "https://example.com/"])
        .expect_usage("https is not supported");
    cli.run(&["jobs", "start", "wait", "soon", "http://127.0.0.1/"])
        .expect_usage("invalid seconds 'soon'");
    cli.run(&["jobs", "start", "wait", "1"])
        .expect_usage("wait: accepts 2 arg(s), received 1");
}

#[test]
fn net_none_cuts_the_job_off_from_the_host() {
    if !common::privileged("net_none_cuts_the_job_off_from_the_host") {
        return;
    }
    let cli = cli();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = serve_one(listener);
    let url = format!("http://127.0.0.1:{port}/");
    // In a network namespace of its own, the job's 127.0.0.1 is its own
    // loopback: the host's server is out of reach.
    let id = cli.start(&["--net", "none", "wait", "0", &url]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3, "{status}");
    assert_eq!(status["state"], "failed", "{status}");
    let error = status["error"].as_str().unwrap_or_default();
    assert!(error.contains("cannot connect"), "{status}");
    // With the host's network (the type's own), the same server answers.
    let id = cli.start(&["--net", "host", "wait", "0", &url]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    assert!(server.join().expect("the server").starts_with("POST / "));
}
