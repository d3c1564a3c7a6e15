//! The API keys of a run: the stack the harness starts takes them (`OCTO_API_KEYS`), the load
//! carries the service key, and the harness's own calls (profiles, heap readings, fault
//! switches, `/metrics` of a given service) carry the admin key. Given `--api-key`, that one
//! key is used for everything, and the services started here accept it as an admin's.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

/// The environment variable the services read their keys from.
pub const SERVICE_KEYS_ENV: &str = "OCTO_API_KEYS";
/// The environment variable the Orchestrator reads its own key from.
pub const ORCHESTRATOR_KEY_ENV: &str = "ORCHESTRATOR_SERVICE_KEY";

#[derive(Clone)]
pub struct Keys {
    /// The load's and the Orchestrator's key: a service's, acting for the users it names.
    pub service: String,
    /// The harness's own calls' key.
    pub admin: String,
    /// Given by the user (`--api-key`), rather than made for this run.
    given: bool,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves: options and stacks are logged.
        f.debug_struct("Keys")
            .field("given", &self.given)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// `given` for everything, or a fresh random pair.
    pub fn new(given: Option<&str>) -> Keys {
        match given {
            Some(key) => Keys {
                service: key.to_owned(),
                admin: key.to_owned(),
                given: true,
            },
            None => Keys {
                service: random_token("svc"),
                admin: random_token("adm"),
                given: false,
            },
        }
    }

    /// The keys file (its text) that the services started here are given.
    pub fn services_file(&self) -> String {
        if self.given {
            format!("{} admin octoperf\n", self.admin)
        } else {
            format!(
                "{} service octoperf-load\n{} admin octoperf-admin\n",
                self.service, self.admin
            )
        }
    }

    /// A builder of the harness's HTTP client (no redirects followed) that presents the
    /// admin key on every request.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let mut headers = HeaderMap::new();
        if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", self.admin)) {
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        super::http_client_builder().default_headers(headers)
    }

    /// The client of the harness's own calls on the processes under test (profiles, heap
    /// readings, `/metrics`): the admin's key, and ten seconds for an answer.
    pub fn observer_client(&self) -> reqwest::Client {
        self.client_builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("a client without TLS or proxies always builds")
    }

    /// [`Keys::client_builder`], built.
    pub fn client(&self) -> reqwest::Client {
        self.client_builder()
            .build()
            .expect("a client without TLS or proxies always builds")
    }
}

/// 32 random bytes in hex, after a prefix that says what the key is for.
fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("octoperf-{prefix}-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_keys_are_fresh_and_given_keys_are_used_for_everything() {
        let (a, b) = (Keys::new(None), Keys::new(None));
        assert_ne!(a.service, b.service);
        assert_ne!(a.service, a.admin);
        assert!(a.services_file().contains(" service octoperf-load\n"));
        assert!(a.services_file().contains(" admin octoperf-admin\n"));
        assert!(!format!("{a:?}").contains(&a.admin), "{a:?}");
        let given = Keys::new(Some("my-own-key-0123456789"));
        assert_eq!(
            (given.service.as_str(), given.admin.as_str()),
            ("my-own-key-0123456789", "my-own-key-0123456789")
        );
        assert_eq!(
            given.services_file(),
            "my-own-key-0123456789 admin octoperf\n"
        );
    }
}
