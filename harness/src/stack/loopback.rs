//! The loopback guard: load goes only to this machine unless the user says otherwise. The URL
//! is parsed as a URL (not split by hand), so that a user-info part cannot pass for the host,
//! and a host name counts only when every address it resolves to is a loopback address. The
//! harness's HTTP clients follow no redirects ([`client`]), so a loopback target cannot send
//! the load elsewhere either.

use std::net::ToSocketAddrs;

/// True for base URLs on this machine (127.0.0.0/8, `[::1]`, or names such as `localhost`
/// that resolve only to those).
pub fn is_loopback(url: &str) -> bool {
    check(url).is_ok()
}

/// Why `url` is not a base URL on this machine, if it is not.
pub fn check(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|error| format!("{url}: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url}: the scheme must be http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "{url}: a user-info part (user:password@) is not accepted in a target URL"
        ));
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    let host = parsed.host_str().ok_or_else(|| format!("{url}: no host"))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return if ip.is_loopback() {
            Ok(())
        } else {
            Err(format!("{url}: {ip} is not on this machine"))
        };
    }
    let addrs: Vec<_> = (bare, port)
        .to_socket_addrs()
        .map_err(|error| format!("{url}: cannot resolve {bare}: {error}"))?
        .collect();
    match addrs.iter().find(|addr| !addr.ip().is_loopback()) {
        None if !addrs.is_empty() => Ok(()),
        None => Err(format!("{url}: {bare} resolves to no address")),
        Some(addr) => Err(format!(
            "{url}: {bare} resolves to {}, which is not on this machine",
            addr.ip()
        )),
    }
}

/// An HTTP client for the harness's own calls (readiness, samples, profiles): it follows no
/// redirect.
pub fn client() -> reqwest::Client {
    client_builder()
        .build()
        .expect("a client without TLS or proxies always builds")
}

/// The builder of [`client`], for a client with more settings (a timeout, say).
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        for url in [
            "http://127.0.0.1:8000",
            "http://127.5.0.1/x",
            "http://localhost:1",
            "http://[::1]:80/",
        ] {
            assert!(is_loopback(url), "{url}: {:?}", check(url));
        }
        for url in [
            "http://10.0.0.1:80",
            "http://example.invalid",
            "http://192.168.1.2:8000",
            "http://[fe80::1]:80",
            "ftp://127.0.0.1/",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    #[test]
    fn a_user_info_part_does_not_pass_for_the_host() {
        // The host here is example.invalid; 127.0.0.1:1 is a user name and password.
        let url = "http://127.0.0.1:1@example.invalid";
        let reason = check(url).unwrap_err();
        assert!(reason.contains("user-info"), "{reason}");
        assert!(!is_loopback("http://user@127.0.0.1:8000"));
    }

    #[tokio::test]
    async fn the_harness_client_does_not_follow_a_redirect() {
        // A loopback server that answers every request with a redirect elsewhere.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            let _ = socket
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
        });
        let response = client()
            .get(format!("http://{addr}/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
    }
}
