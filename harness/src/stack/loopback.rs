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
    pin(url).map(|_| ())
}

/// `url` with its host name replaced by the loopback address it was checked against, or why
/// it is not on this machine. The guard resolves a name once and every client connects to
/// the address it checked: a name resolved again by another client (the load generator, an
/// arm) could answer otherwise the second time (issue 23).
pub fn pin(url: &str) -> Result<String, String> {
    pin_within(url, &[])
}

/// [`pin`], where an address in one of `allowed` (`--allow-target 10.77.0.0/24`: the user's
/// own test hosts) counts as loopback does.
pub fn pin_within(url: &str, allowed: &[ipnet::IpNet]) -> Result<String, String> {
    let ours =
        |ip: std::net::IpAddr| ip.is_loopback() || allowed.iter().any(|net| net.contains(&ip));
    let mut parsed = reqwest::Url::parse(url).map_err(|error| format!("{url}: {error}"))?;
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
        return if ours(ip) {
            Ok(url.to_owned())
        } else {
            Err(format!("{url}: {ip} is not on this machine"))
        };
    }
    let addrs: Vec<_> = (bare, port)
        .to_socket_addrs()
        .map_err(|error| format!("{url}: cannot resolve {bare}: {error}"))?
        .collect();
    match addrs.iter().find(|addr| !ours(addr.ip())) {
        // An https:// name stays a name: the server's certificate carries the name, not the
        // address. The load client resolves it once, before any load.
        None if parsed.scheme() == "https" && !addrs.is_empty() => Ok(url.to_owned()),
        None => {
            let first = addrs
                .first()
                .ok_or_else(|| format!("{url}: {bare} resolves to no address"))?;
            parsed
                .set_ip_host(first.ip())
                .map_err(|()| format!("{url}: cannot set the host to {}", first.ip()))?;
            let pinned = parsed.to_string();
            // `Url` adds a `/` to an empty path; a base URL keeps the form it was given.
            Ok(if url.ends_with('/') {
                pinned
            } else {
                pinned.trim_end_matches('/').to_owned()
            })
        }
        Some(addr) => Err(format!(
            "{url}: {bare} resolves to {}, which is not on this machine",
            addr.ip()
        )),
    }
}

/// Every HTTP URL in a list of command-line arguments (`URL`, `--flag=URL`, `KIND=URL`)
/// pinned to loopback by [`pin`], or why one is not on this machine. Other schemes (a
/// `postgres://` or `redis://` given to the Orchestrator) carry no load and are left as they
/// are.
pub fn pin_args(args: &mut [String]) -> Result<(), String> {
    pin_args_within(args, &[])
}

/// [`pin_args`], with the networks of [`pin_within`].
pub fn pin_args_within(args: &mut [String], allowed: &[ipnet::IpNet]) -> Result<(), String> {
    for arg in args.iter_mut() {
        let Some(scheme) = arg.find("://") else {
            continue;
        };
        // The URL starts after the last `=` before its scheme (`--arm coder=http://…`).
        let start = arg[..scheme].rfind('=').map_or(0, |at| at + 1);
        if !matches!(
            arg[start..scheme].to_ascii_lowercase().as_str(),
            "http" | "https"
        ) {
            continue;
        }
        let pinned = pin_within(&arg[start..], allowed)?;
        arg.replace_range(start.., &pinned);
    }
    Ok(())
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

    /// Issue 23: the guard checked `base_url` and `--service`, not a scenario's `[llm] url`
    /// or an `--arm` URL inside `orchestrator_args`, and a name was resolved again by the
    /// client that connected.
    #[test]
    fn names_are_pinned_to_the_address_checked_and_urls_in_arguments_are_guarded() {
        assert_eq!(
            pin("http://localhost:8000").unwrap().as_str(),
            "http://127.0.0.1:8000"
        );
        assert_eq!(pin("http://127.0.0.1:9/x").unwrap(), "http://127.0.0.1:9/x");
        let mut args = vec![
            "--arm".to_owned(),
            "coder=http://localhost:8012".to_owned(),
            "--reflex-url=http://127.0.0.1:8001".to_owned(),
            "--max-retries".to_owned(),
        ];
        pin_args(&mut args).unwrap();
        assert_eq!(args[1], "coder=http://127.0.0.1:8012");
        assert_eq!(args[2], "--reflex-url=http://127.0.0.1:8001");
        let mut other_schemes = vec!["--database-url=postgres://db.example:5432/x".to_owned()];
        pin_args(&mut other_schemes).unwrap();
        assert_eq!(
            other_schemes[0],
            "--database-url=postgres://db.example:5432/x"
        );
        let mut elsewhere = vec!["coder=http://192.168.1.2:8012".to_owned()];
        let reason = pin_args(&mut elsewhere).unwrap_err();
        assert!(reason.contains("192.168.1.2"), "{reason}");
        // A network allowed by --allow-target admits its addresses, and only those.
        let ours: ipnet::IpNet = "192.168.1.0/24".parse().unwrap();
        pin_args_within(&mut elsewhere, &[ours]).unwrap();
        assert_eq!(
            pin_within("http://192.168.1.2:8012", &[ours]).as_deref(),
            Ok("http://192.168.1.2:8012")
        );
        let reason = pin_within("http://192.168.2.2:8012", &[ours]).unwrap_err();
        assert!(reason.contains("not on this machine"), "{reason}");
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
