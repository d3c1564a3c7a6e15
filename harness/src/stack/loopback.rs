//! The loopback guard: load goes only to this machine unless the user says otherwise.

/// True for base URLs on this machine (127.0.0.0/8, localhost, [::1]).
pub fn is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:80",
            "http://example.com",
            "http://192.168.1.2:8000",
            "http://[fe80::1]:80",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
