//! Registry access: the `WWW-Authenticate` challenge a registry answers 401 with, and the
//! Docker/distribution token exchange for `Bearer` challenges.

use std::collections::BTreeMap;

use base64::Engine as _;

/// What a registry asks for in its 401 answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Basic realm="…"`: send the username and password on each request.
    Basic,
    /// `Bearer realm="URL",service="…",scope="…"`: get a token from `realm` first.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

impl Challenge {
    /// Parses a `WWW-Authenticate` value (RFC 7235: a scheme, then `key=value` or
    /// `key="quoted value"` pairs separated by commas). `None` for a scheme this client does
    /// not speak, or a Bearer challenge without a realm.
    pub(crate) fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
        let params = parameters(rest);
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => Some(Challenge::Basic),
            "bearer" => Some(Challenge::Bearer {
                realm: params.get("realm")?.clone(),
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
            }),
            _ => None,
        }
    }
}

fn parameters(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.is_empty() {
            return out;
        }
        if chars.next_if_eq(&'=').is_none() {
            continue;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != ',')));
        }
        out.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
}

/// `Authorization: Basic …` for a username and password.
pub(crate) fn basic(username: &str, password: &str) -> String {
    let pair = format!("{username}:{password}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// The token service's answer: distribution's `token`, or OAuth2's `access_token` (ACR sends
/// the latter).
#[derive(serde::Deserialize)]
pub(crate) struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

impl TokenAnswer {
    pub(crate) fn into_token(self) -> Option<String> {
        self.token.or(self.access_token).filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge_with_quoted_and_bare_parameters() {
        let c = Challenge::parse(
            r#"Bearer realm="https://cciserver.azurecr.io/oauth2/token",service=cciserver.azurecr.io,scope="repository:circleci-server:pull""#,
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "https://cciserver.azurecr.io/oauth2/token".into(),
                service: Some("cciserver.azurecr.io".into()),
                scope: Some("repository:circleci-server:pull".into()),
            })
        );
    }

    #[test]
    fn scope_with_commas_inside_quotes_stays_whole() {
        let c = Challenge::parse(r#"bearer realm="http://t/token", scope="repository:a/b:pull,push""#);
        let Some(Challenge::Bearer { scope, service, .. }) = c else {
            panic!("{c:?}")
        };
        assert_eq!(scope.as_deref(), Some("repository:a/b:pull,push"));
        assert_eq!(service, None);
    }

    #[test]
    fn basic_and_unknown_schemes() {
        assert_eq!(
            Challenge::parse(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(Challenge::parse("Negotiate"), None);
        assert_eq!(
            Challenge::parse(r#"Bearer service="x""#),
            None,
            "a Bearer challenge needs a realm"
        );
    }

    #[test]
    fn basic_header_is_base64_of_the_pair() {
        assert_eq!(basic("user", "pass"), "Basic dXNlcjpwYXNz");
    }
}
