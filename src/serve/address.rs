//! The addresses of `serve`: what `--base-url` may name, and whether a browser asking for it
//! reaches the socket the server is bound to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A host for `serve --base-url`, as it goes into a URL: a DNS name or an IP address (an IPv6
/// address bracketed). The server speaks plain HTTP on its own port, so a scheme, port or path
/// would only be wrong; a wildcard address is no place to browse to.
pub fn host(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let expected = "expected a host name or address such as `192.168.1.10` or `mybox.local`";
    let bare = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(raw);
    let ip = bare.parse::<Ipv6Addr>().map(IpAddr::V6).or_else(|_| raw.parse::<Ipv4Addr>().map(IpAddr::V4));
    if let Ok(ip) = ip {
        if !browsable_address(ip) {
            return Err(format!(
                "`{raw}` is no address to browse to (a wildcard, broadcast or multicast address), {expected} (this machine's address on the LAN)"
            ));
        }
        return Ok(match ip {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        });
    }
    if raw.contains("://") || raw.contains([':', '/', '?', '#', '@']) {
        return Err(format!(
            "{expected}, without scheme, port or path (the server speaks http on --port, and the path is base_url's)"
        ));
    }
    // A fully qualified name may end in a dot (`mybox.local.`).
    let name = raw.strip_suffix('.').unwrap_or(raw);
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = name.split('.').collect();
    if name.len() > 253 || !labels.iter().all(|l| label(l)) {
        return Err(format!("{expected}: a name is labels of ASCII letters, digits and `-`, joined by `.`"));
    }
    // `999.1.1.1` is neither an address nor a name a resolver would look up.
    if labels.last().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("`{raw}` is not an IPv4 address (each part is 0 to 255), {expected}"));
    }
    Ok(raw.to_ascii_lowercase())
}

/// Whether a browser can ask for `ip`: not a wildcard (`0.0.0.0/8`, `::`, in IPv4-mapped form
/// too), broadcast or multicast address.
fn browsable_address(ip: IpAddr) -> bool {
    let v4 = |a: Ipv4Addr| a.octets()[0] != 0 && !a.is_broadcast() && !a.is_multicast();
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(m) => v4(m),
            None => !a.is_unspecified() && !a.is_multicast(),
        },
    }
}

/// Whether a browser asking for `host` (as [`host`] gives it) can reach a server bound to `bind`:
/// an address must be the bound one, or of its family for a wildcard; a name cannot be checked
/// without asking DNS, except the loopback names, which reach only a loopback address.
pub(super) fn reaches(host: &str, bind: IpAddr) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => match bind {
            // Linux accepts IPv4 on `::` as well (unless net.ipv6.bindv6only is set).
            IpAddr::V6(b) if b.is_unspecified() => true,
            IpAddr::V4(b) if b.is_unspecified() => ip.is_ipv4(),
            b => ip == b,
        },
        Err(_) => {
            // `localhost` resolves to 127.0.0.1 and ::1, not to the rest of 127.0.0.0/8.
            let loopback_name = host == "localhost" || host.ends_with(".localhost");
            let localhost = [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)];
            !loopback_name || bind.is_unspecified() || localhost.contains(&bind)
        }
    }
}

/// The address to show for `bind`: a wildcard address is reached through loopback.
pub(super) fn browsable(bind: IpAddr) -> IpAddr {
    match bind {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_for_base_url() {
        assert_eq!(host("192.168.1.10").unwrap(), "192.168.1.10");
        assert_eq!(host("MyBox.local").unwrap(), "mybox.local");
        assert_eq!(host("fe80::1").unwrap(), "[fe80::1]");
        assert_eq!(host("[::1]").unwrap(), "[::1]");
        for bad in [
            "",
            "http://x",
            "x:8080",
            "x/sub",
            "a b",
            "ホスト",
            ".x",
            "x?y",
            "a..b",
            "999.1.1.1",
            "0.0.0.0",
            "::",
            "-x",
            "::ffff:0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "0.0.0.1",
            "ff02::1",
            "x..",
        ] {
            assert!(host(bad).is_err(), "{bad}");
        }
        assert!(host("http://x").unwrap_err().contains("speaks http on --port"));
        assert!(host("0.0.0.0").unwrap_err().contains("no address to browse to"));
        assert_eq!(host("mybox.local.").unwrap(), "mybox.local.");
    }

    #[test]
    fn a_base_url_host_must_reach_the_bound_address() {
        let (lo, any4, any6) = ("127.0.0.1".parse().unwrap(), "0.0.0.0".parse().unwrap(), "::".parse().unwrap());
        assert!(reaches("127.0.0.1", lo) && reaches("localhost", lo) && reaches("a.localhost", lo));
        assert!(!reaches("[::1]", lo), "bound to 127.0.0.1 only");
        assert!(reaches("192.168.1.10", any4) && !reaches("[fe80::1]", any4));
        assert!(reaches("[fe80::1]", any6) && reaches("192.168.1.10", any6));
        let lan = "192.168.1.10".parse().unwrap();
        assert!(reaches("192.168.1.10", lan) && !reaches("192.168.1.11", lan) && !reaches("localhost", lan));
        assert!(reaches("mybox.local", lan) && reaches("mybox.local", any4));
        assert!(!reaches("localhost", "127.0.0.2".parse().unwrap()), "localhost is 127.0.0.1 and ::1");
    }
}
