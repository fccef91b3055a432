//! The outbound network policy (SSRF guard). Connections name URLs that
//! provisio then calls with stored credentials, so a connection must not be a
//! way into the network provisio runs in. By default an instance URL must be
//! `https` and must resolve only to public addresses: loopback, private,
//! link-local (cloud metadata), shared, multicast and reserved ranges are
//! refused. The check runs when a connection is saved, when every request
//! resolves its host (our DNS resolver filters addresses), and on every redirect.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use ipnet::IpNet;
use url::{Host, Url};

/// How long resolving a host may take when a connection is saved.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which destinations outbound calls may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// `PROVISIO_ALLOW_PRIVATE_NETWORKS`: admit every range, over plain http too.
    pub allow_private: bool,
    /// `PROVISIO_ALLOWED_NETWORKS`: ranges admitted even though they are not public.
    pub allowed: Vec<IpNet>,
}

/// Why a destination was refused. Carries no secret: only the URL's host and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

/// Why a URL could not be checked at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlCheckError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the host `{0}` does not resolve")]
    Unresolvable(String),
}

impl NetworkPolicy {
    /// A policy that admits everything (development and tests).
    pub fn permissive() -> Self {
        Self {
            allow_private: true,
            allowed: Vec::new(),
        }
    }

    /// Whether provisio may connect to `ip`.
    pub fn permits_ip(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// The scheme rule: `https` always; `http` only with private networks
    /// allowed, or to an IP literal inside an explicitly allowed network.
    pub fn check_scheme(&self, url: &Url) -> Result<(), Forbidden> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_private => Ok(()),
            "http" if ip_literal(url).is_some_and(|ip| self.allowed.iter().any(|n| n.contains(&ip))) => Ok(()),
            "http" => Err(Forbidden(
                "must use https (plain http needs PROVISIO_ALLOW_PRIVATE_NETWORKS=true, or an IP address in PROVISIO_ALLOWED_NETWORKS)".into(),
            )),
            other => Err(Forbidden(format!("the `{other}` scheme is not allowed"))),
        }
    }

    /// Checks a URL the way a request would meet it: scheme, then every address its host resolves to.
    pub async fn check_url(&self, url: &Url) -> Result<(), UrlCheckError> {
        self.check_scheme(url)?;
        if self.allow_private {
            // Every address is admitted: there is nothing to resolve for.
            return Ok(());
        }
        if let Some(ip) = ip_literal(url) {
            return self.check_ip(ip).map_err(Into::into);
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let resolved = tokio::time::timeout(
            RESOLVE_TIMEOUT,
            tokio::net::lookup_host((host.as_str(), port)),
        )
        .await;
        let addresses: Vec<SocketAddr> = match resolved {
            Ok(Ok(addresses)) => addresses.collect(),
            _ => Vec::new(),
        };
        if addresses.is_empty() {
            return Err(UrlCheckError::Unresolvable(host.clone()));
        }
        for address in addresses {
            self.check_ip(address.ip())
                .map_err(|e| Forbidden(format!("`{host}` resolves to {e}")))?;
        }
        Ok(())
    }

    /// Checks the URL's host if it is an IP literal (names are checked as they resolve).
    pub fn check_ip_literal(&self, url: &Url) -> Result<(), Forbidden> {
        ip_literal(url).map_or(Ok(()), |ip| self.check_ip(ip))
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), Forbidden> {
        if self.permits_ip(ip) {
            Ok(())
        } else {
            Err(Forbidden(format!(
                "{ip}, a private, loopback, link-local or reserved address (allow it with PROVISIO_ALLOWED_NETWORKS)"
            )))
        }
    }
}

/// The URL's host if it is an IP address.
fn ip_literal(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// Whether `ip` is a globally routable unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives here
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 shared address space (CGNAT, Alibaba metadata)
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // 198.18/15 benchmarking
        || a >= 240) // 240/4 reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // 64:ff9b::/96 NAT64 embeds an IPv4 address in its last 32 bits, 2002::/16
    // (6to4) in bits 16-48: judge that address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local (fd00:ec2::254 metadata)
        || (segments[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (segments[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local, deprecated
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x2001 && segments[1] == 0) // 2001::/32 Teredo tunnels
        || (segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1) // 64:ff9b:1::/48 local NAT64
        || segments[..4] == [0, 0, 0, 0] && (segments[4] == 0 || segments[4] == 0xffff)) // IPv4-compatible, SIIT
}

/// A DNS resolver for reqwest that drops addresses the policy forbids, so a
/// request can never connect to them, whatever the name or redirect.
pub struct GuardedResolver {
    policy: Arc<NetworkPolicy>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<NetworkPolicy>) -> Self {
        Self { policy }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = addresses
                .iter()
                .copied()
                .filter(|a| policy.permits_ip(a.ip()))
                .collect();
            if permitted.is_empty() && !addresses.is_empty() {
                let error = Forbidden(format!(
                    "`{host}` resolves only to private, loopback or reserved addresses"
                ));
                return Err(Box::new(error) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A redirect policy that re-applies the scheme and IP-literal checks to every
/// hop (names are checked by [`GuardedResolver`] when the hop connects).
pub fn redirect_policy(policy: Arc<NetworkPolicy>, max_hops: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_hops {
            return attempt.error(TooManyRedirects);
        }
        let checked =
            policy
                .check_scheme(attempt.url())
                .and_then(|()| match ip_literal(attempt.url()) {
                    Some(ip) => policy.check_ip(ip),
                    None => Ok(()),
                });
        match checked {
            Ok(()) => attempt.follow(),
            Err(forbidden) => {
                attempt.error(Forbidden(format!("a redirect was refused: {forbidden}")))
            }
        }
    })
}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}

impl std::error::Error for TooManyRedirects {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_globally_routable_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in [
            "8.8.8.8",
            "157.240.1.1",
            "2a03:2880:f10c:83:face:b00c:0:25de",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn allowed_networks_and_the_private_switch_admit_addresses() {
        let strict = NetworkPolicy::default();
        assert!(!strict.permits_ip(ip("10.1.2.3")));
        let allowed = NetworkPolicy {
            allow_private: false,
            allowed: vec!["10.1.0.0/16".parse().unwrap()],
        };
        assert!(allowed.permits_ip(ip("10.1.2.3")));
        assert!(!allowed.permits_ip(ip("10.2.0.1")));
        assert!(NetworkPolicy::permissive().permits_ip(ip("127.0.0.1")));
    }

    #[test]
    fn plain_http_needs_an_explicit_opt_in() {
        let url = |s: &str| Url::parse(s).unwrap();
        let strict = NetworkPolicy::default();
        assert!(
            strict
                .check_scheme(&url("https://scim.example.com/"))
                .is_ok()
        );
        assert!(
            strict
                .check_scheme(&url("http://scim.example.com/"))
                .is_err()
        );
        let allowed = NetworkPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.1/32".parse().unwrap()],
        };
        assert!(allowed.check_scheme(&url("http://127.0.0.1:8080/")).is_ok());
        assert!(
            allowed
                .check_scheme(&url("http://localhost:8080/"))
                .is_err()
        );
        assert!(
            NetworkPolicy::permissive()
                .check_scheme(&url("http://localhost/"))
                .is_ok()
        );
    }

    #[tokio::test]
    async fn urls_are_checked_after_resolution() {
        let strict = NetworkPolicy::default();
        let check = |s: &str| {
            let url = Url::parse(s).unwrap();
            let policy = strict.clone();
            async move { policy.check_url(&url).await }
        };
        assert!(matches!(
            check("https://localhost/").await,
            Err(UrlCheckError::Forbidden(_))
        ));
        assert!(matches!(
            check("https://10.0.0.1/").await,
            Err(UrlCheckError::Forbidden(_))
        ));
        assert!(matches!(
            check("http://169.254.169.254/").await,
            Err(UrlCheckError::Forbidden(_))
        ));
        assert!(matches!(
            check("https://does-not-exist.invalid/").await,
            Err(UrlCheckError::Unresolvable(_))
        ));
    }
}
