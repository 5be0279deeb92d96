//! A minimal HTTP/1.1 client for one thing: an empty `POST` to an `http://` URL,
//! returning the response's status. No TLS, no redirects, no body.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long connecting, sending, and waiting for the status may each take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The most bytes of response head read before giving up.
const MAX_HEAD: usize = 64 * 1024;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// `host[:port]` as written, for the `Host` header.
    authority: String,
    /// The host to connect to (IPv6 without brackets).
    host: String,
    port: u16,
    /// Path and query, at least `/`.
    target: String,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code, e.g. 204.
    pub(crate) status: u16,
    /// The reason phrase, e.g. "No Content" (may be empty).
    pub(crate) reason: String,
}

/// A URL this client cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UrlError {
    /// `https://`: this client speaks no TLS.
    #[error("https is not supported: use an http:// URL (this client has no TLS)")]
    Https,
    /// Any other scheme, or none.
    #[error("only http:// URLs are supported")]
    Scheme,
    /// Spaces or control characters, which would corrupt the request.
    #[error("the URL contains spaces or control characters")]
    Characters,
    /// `user:password@`.
    #[error("credentials in the URL are not supported")]
    Credentials,
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// A port that is not a number from 1 to 65535.
    #[error("invalid port '{0}'")]
    Port(String),
}

/// The request could not be made or answered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The host name does not resolve.
    #[error("cannot resolve {host}")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
    /// No address of the host accepted a connection.
    #[error("cannot connect to {authority}")]
    Connect {
        authority: String,
        #[source]
        source: io::Error,
    },
    /// Sending the request or reading the answer failed.
    #[error("no answer from {authority}")]
    Exchange {
        authority: String,
        #[source]
        source: io::Error,
    },
    /// The answer is not HTTP.
    #[error("{authority} did not answer with HTTP: {line:?}")]
    NotHttp { authority: String, line: String },
}

impl HttpUrl {
    /// Parses `http://host[:port][/path][?query][#fragment]` (the fragment is dropped).
    pub(crate) fn parse(url: &str) -> Result<HttpUrl, UrlError> {
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Characters);
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(UrlError::Scheme);
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err(UrlError::Https);
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(UrlError::Scheme);
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(UrlError::Credentials);
        }
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        let target = match target {
            "" => "/".to_owned(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_owned(),
        };
        Ok(HttpUrl {
            authority: authority.to_owned(),
            host: host.to_owned(),
            port,
            target,
        })
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(authority: &str) -> Result<(&str, u16), UrlError> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(UrlError::NoHost)?;
        match after {
            "" => (host, None),
            port => (host, Some(port.strip_prefix(':').ok_or(UrlError::NoHost)?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => 80,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| UrlError::Port(text.to_owned()))?,
    };
    Ok((host, port))
}

/// Sends `POST <target> HTTP/1.1` with an empty body and returns the status of
/// the final response (interim 1xx responses are skipped).
pub(crate) fn post_empty(url: &HttpUrl) -> Result<Response, HttpError> {
    let mut stream = connect(url)?;
    let exchange = |source| HttpError::Exchange {
        authority: url.authority.clone(),
        source,
    };
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\nUser-Agent: workernator-wait/0.1\r\n\r\n",
        url.target, url.authority
    );
    stream.write_all(request.as_bytes()).map_err(exchange)?;
    stream.flush().map_err(exchange)?;
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64));
    loop {
        let line = read_line(&mut reader).map_err(exchange)?;
        let response = parse_status_line(&line).ok_or_else(|| HttpError::NotHttp {
            authority: url.authority.clone(),
            line: line.clone(),
        })?;
        // Skip the headers; the body does not matter.
        while !read_line(&mut reader).map_err(exchange)?.is_empty() {}
        if !(100..200).contains(&response.status) || response.status == 101 {
            return Ok(response);
        }
    }
}

fn connect(url: &HttpUrl) -> Result<TcpStream, HttpError> {
    let addresses: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|source| HttpError::Resolve {
            host: url.host.clone(),
            source,
        })?
        .collect();
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(stream) => {
                let configured = stream
                    .set_read_timeout(Some(TIMEOUT))
                    .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)));
                return match configured {
                    Ok(()) => Ok(stream),
                    Err(source) => Err(HttpError::Connect {
                        authority: url.authority.clone(),
                        source,
                    }),
                };
            }
            Err(error) => last_error = error,
        }
    }
    Err(HttpError::Connect {
        authority: url.authority.clone(),
        source: last_error,
    })
}

/// One line without its CRLF; an early end of the stream is an error.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut bytes = Vec::new();
    if reader.read_until(b'\n', &mut bytes)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before the response's head ended",
        ));
    }
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `HTTP/1.1 204 No Content`.
fn parse_status_line(line: &str) -> Option<Response> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|s| (100..600).contains(s))?;
    Some(Response {
        status,
        reason: parts.next().unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn urls_parse_into_their_parts() {
        let url = HttpUrl::parse("http://example.com:8080/hook?x=1#frag").unwrap();
        assert_eq!(url.authority, "example.com:8080");
        assert_eq!(url.host, "example.com");
        assert_eq!(url.port, 8080);
        assert_eq!(url.target, "/hook?x=1");
        let bare = HttpUrl::parse("HTTP://127.0.0.1").unwrap();
        assert_eq!((bare.port, bare.target.as_str()), (80, "/"));
        let query = HttpUrl::parse("http://h?q").unwrap();
        assert_eq!(query.target, "/?q");
        let v6 = HttpUrl::parse("http://[::1]:9/x").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9));
    }

    #[test]
    fn unusable_urls_are_refused_with_the_reason() {
        assert_eq!(HttpUrl::parse("https://example.com"), Err(UrlError::Https));
        assert_eq!(HttpUrl::parse("ftp://example.com"), Err(UrlError::Scheme));
        assert_eq!(HttpUrl::parse("example.com"), Err(UrlError::Scheme));
        assert_eq!(HttpUrl::parse("http://"), Err(UrlError::NoHost));
        assert_eq!(HttpUrl::parse("http://a b"), Err(UrlError::Characters));
        assert_eq!(HttpUrl::parse("http://u:p@h"), Err(UrlError::Credentials));
        assert_eq!(
            HttpUrl::parse("http://h:99999"),
            Err(UrlError::Port("99999".into()))
        );
        assert_eq!(
            HttpUrl::parse("http://h:0"),
            Err(UrlError::Port("0".into()))
        );
    }

    #[test]
    fn status_lines_parse() {
        assert_eq!(
            parse_status_line("HTTP/1.1 204 No Content"),
            Some(Response {
                status: 204,
                reason: "No Content".into()
            })
        );
        assert_eq!(
            parse_status_line("HTTP/1.0 500").map(|r| r.status),
            Some(500)
        );
        assert_eq!(parse_status_line("SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status_line("HTTP/1.1 20 OK"), None);
    }

    #[test]
    fn posts_to_a_local_server() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut buffer).unwrap();
                assert!(n > 0);
                request.extend_from_slice(&buffer[..n]);
            }
            stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
            String::from_utf8(request).unwrap()
        });
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
        let response = post_empty(&url).unwrap();
        assert_eq!(response.status, 202);
        assert_eq!(response.reason, "Accepted");
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /hook HTTP/1.1\r\n"), "{request}");
        assert!(request.contains(&format!("Host: 127.0.0.1:{port}\r\n")));
        assert!(request.contains("Content-Length: 0\r\n"));
    }

    #[test]
    fn a_refused_connection_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert!(matches!(post_empty(&url), Err(HttpError::Connect { .. })));
    }
}
