//! One redaction of secrets in any text that may be printed: a URL's user info, `password=`
//! and like parameters (in a URL's query or a `key=value` connection string), and bearer
//! tokens. The services (database, Redis and LLM URLs in logs, `/capabilities`) and the harness
//! (history URLs, messages) share it, so that no place masks less than another (issue 23: the
//! Orchestrator's mask missed `?password=`, and an LLM URL's user info was logged whole).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What stands in for a secret.
pub const MASK: &str = "***";

static USER_INFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/?#@\s]+)@").expect("a valid pattern")
});

static PARAMETER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(password|passwd|pwd|secret|client_secret|token|access_token|api_key|apikey|sslpassword)=([^&\s;'",]+)"#,
    )
    .expect("a valid pattern")
});

static BEARER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]+").expect("a valid pattern")
});

/// `text` with every secret it holds replaced by [`MASK`]:
/// - a URL's user info: `postgres://user:***@host`, or `https://***@host` when it has no
///   password (a token given as the user);
/// - the value of `password=`, `token=`, `api_key=`, `secret=` and the like;
/// - the token after `Bearer`.
pub fn redact(text: &str) -> String {
    let text = USER_INFO.replace_all(text, |caps: &Captures<'_>| {
        let shown = match caps[2].split_once(':') {
            Some((user, _password)) => format!("{user}:{MASK}"),
            None => MASK.to_owned(),
        };
        format!("{}{shown}@", &caps[1])
    });
    let text = replace(text, &PARAMETER, &format!("${{1}}={MASK}"));
    let text = replace(text, &BEARER, &format!("${{1}} {MASK}"));
    text.into_owned()
}

fn replace<'a>(text: Cow<'a, str>, pattern: &Regex, with: &str) -> Cow<'a, str> {
    match pattern.replace_all(&text, with) {
        Cow::Borrowed(_) => text,
        Cow::Owned(replaced) => Cow::Owned(replaced),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_secret_is_masked() {
        let cases = [
            (
                "postgres://user:secret@db:5432/x?sslmode=require",
                "postgres://user:***@db:5432/x?sslmode=require",
            ),
            (
                "postgres://db:5432/x?user=app&password=hunter2&sslmode=require",
                "postgres://db:5432/x?user=app&password=***&sslmode=require",
            ),
            (
                "host=db user=app password=hunter2 dbname=x",
                "host=db user=app password=*** dbname=x",
            ),
            (
                "redis://:s3cret@127.0.0.1:6379/0",
                "redis://:***@127.0.0.1:6379/0",
            ),
            (
                "https://sk-live-abc123@llm.example/v1",
                "https://***@llm.example/v1",
            ),
            (
                "calling http://a:b@x/ with Authorization: Bearer abc.def-ghi",
                "calling http://a:***@x/ with Authorization: Bearer ***",
            ),
            (
                "https://x/v1?api_key=k123&model=m",
                "https://x/v1?api_key=***&model=m",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn text_without_secrets_is_left_alone() {
        for text in [
            "sqlite://target/h.db",
            "http://127.0.0.1:8001/process",
            "max_tokens=5 of the budget",
            "a user@example.com wrote",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
