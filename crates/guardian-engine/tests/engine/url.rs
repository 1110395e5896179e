//! InboxGuard links. Kept few and general: the URL analyser is being rewritten, and these
//! are the behaviours any version must keep.

use crate::util::{LOW, WARN, analyze_url, assert_input_error, check_urls};

#[test]
fn things_that_are_not_web_links_are_refused() {
    for input in [
        "",
        "   ",
        "example.com",
        "www.example.com/login",
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "https://",
        "https:// /",
        "not a link at all",
    ] {
        let e = assert_input_error(analyze_url(input), "url");
        assert!(!e.to_string().is_empty(), "{input:?}");
    }
}

#[test]
fn classic_phishing_tricks_are_at_least_medium() {
    check_urls(&[
        // A raw IP address instead of a name
        ("http://192.168.4.20/login", WARN),
        ("http://203.0.113.7/paypal/login.php", WARN),
        ("https://[2001:db8::1]/signin", WARN),
        // The userinfo '@' trick: the real host is after the '@'
        ("https://www.paypal.com@evil.example/", WARN),
        ("http://secure.bankofamerica.com:login@198.51.100.4/verify", WARN),
    ]);
}

#[test]
fn brand_lookalikes_are_at_least_medium() {
    check_urls(&[
        ("https://paypa1-secure-login.com/signin", WARN),
        ("https://www.paypal.com.account-verify.ru/signin", WARN),
        ("http://amaz0n-account-restore.net/login", WARN),
    ]);
}

#[test]
fn well_known_sites_are_low() {
    check_urls(&[
        ("https://www.paypal.com/", LOW),
        ("https://accounts.google.com/", LOW),
        ("https://www.bbc.co.uk/news", LOW),
        ("https://WWW.PAYPAL.COM/", LOW),
        ("  https://www.bbc.co.uk/news  ", LOW),
    ]);
}

#[test]
fn a_link_answer_says_which_host_it_checked() {
    let r = analyze_url("https://www.bbc.co.uk/news").unwrap();
    let details = r.metadata.url.expect("url details");
    assert_eq!(details.host, "www.bbc.co.uk");
    assert_eq!(details.registrable_domain.as_deref(), Some("bbc.co.uk"));
    let r = analyze_url("https://www.paypal.com@evil.example/").unwrap();
    assert_eq!(r.metadata.url.expect("url details").host, "evil.example", "the host is what follows the '@'");
}
