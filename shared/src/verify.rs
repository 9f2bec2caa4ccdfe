//! Authentication of a delivery on its raw body: HMAC-SHA256 signatures, constant token headers
//! and HTTP basic auth, each compared in constant time against one or several secrets.
//!
//! Several secrets are accepted at once so that a secret can be rotated without downtime; the
//! index of the one that matched is reported so the operator can tell when the old one is unused.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use hmac::{Hmac, Mac};
use lambda_http::http::header::{HeaderMap, HeaderName, AUTHORIZATION};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256 signature.
pub const SIGNATURE_LEN: usize = 32;
/// Optional prefix some senders put before the signature (`sha256=<hex>`), matched in any case.
pub const SIGNATURE_PREFIX: &str = "sha256=";
/// Scheme word of an `Authorization` header carrying basic credentials, matched in any case.
pub const BASIC_PREFIX: &str = "basic ";

/// One accepted secret. Its bytes never appear in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// A secret from its bytes; an empty secret is refused because it would authenticate anyone
    /// who knows the scheme.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(bytes.into_boxed_slice()))
    }

    fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The accepted secrets, in order of preference: index 0 is the current one.
#[derive(Debug, Clone)]
pub struct Secrets(Vec<Secret>);

impl Secrets {
    /// At least one secret is required.
    pub fn new(secrets: Vec<Secret>) -> Result<Self, SecretError> {
        if secrets.is_empty() {
            return Err(SecretError::NoneGiven);
        }
        Ok(Self(secrets))
    }

    /// Parses the comma-separated form of `WEBHOOK_SECRETS`. Surrounding white space of each entry
    /// is ignored; an empty entry (`a,,b`, a trailing comma) is refused rather than skipped,
    /// because it is almost always a templating mistake.
    pub fn parse_list(list: &str) -> Result<Self, SecretError> {
        if list.trim().is_empty() {
            return Err(SecretError::NoneGiven);
        }
        let secrets = list
            .split(',')
            .enumerate()
            .map(|(index, entry)| {
                Secret::new(entry.trim().as_bytes()).map_err(|_| SecretError::EmptyEntry { index })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(secrets)
    }

    /// These secrets, then `later` ones (which report higher indexes).
    pub fn followed_by(mut self, later: Secrets) -> Self {
        self.0.extend(later.0);
        self
    }

    fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.0.iter()
    }
}

/// A secret list that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a secret must not be empty")]
    Empty,
    #[error("no secret was given")]
    NoneGiven,
    #[error("entry {index} of the secret list is empty")]
    EmptyEntry { index: usize },
    #[error("entry {index} is not of the form user:password, as basic auth requires")]
    NotUserPassword { index: usize },
}

/// How a vendor proves a delivery is theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// `<header>: [sha256=]<hex or base64 of HMAC-SHA256(secret, raw body)>`.
    HmacSha256 { header: HeaderName },
    /// `<header>: <secret>`: a constant shared token.
    Token { header: HeaderName },
    /// `Authorization: Basic base64(user:password)`.
    Basic,
}

impl FromStr for Scheme {
    type Err = SchemeError;

    /// Parses the `AUTH_SCHEME` forms `hmac-sha256:<header>`, `token:<header>` and `basic`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("basic") {
            return Ok(Self::Basic);
        }
        let (kind, header) = text.split_once(':').ok_or(SchemeError::Unknown)?;
        let header = header.trim();
        if header.is_empty() {
            return Err(SchemeError::MissingHeader);
        }
        let header = HeaderName::from_str(header).map_err(|_| SchemeError::InvalidHeader)?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "hmac-sha256" => Ok(Self::HmacSha256 { header }),
            "token" => Ok(Self::Token { header }),
            _ => Err(SchemeError::Unknown),
        }
    }
}

impl Scheme {
    /// The header that carries the credential.
    pub fn header(&self) -> HeaderName {
        match self {
            Self::HmacSha256 { header } | Self::Token { header } => header.clone(),
            Self::Basic => AUTHORIZATION,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HmacSha256 { header } => write!(f, "hmac-sha256:{header}"),
            Self::Token { header } => write!(f, "token:{header}"),
            Self::Basic => f.write_str("basic"),
        }
    }
}

/// An `AUTH_SCHEME` value that is not one of the supported forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    #[error("expected hmac-sha256:<header>, token:<header> or basic")]
    Unknown,
    #[error("the header name is missing")]
    MissingHeader,
    #[error("the header name is not a valid HTTP header name")]
    InvalidHeader,
}

/// Why a delivery was not authenticated. Callers get a bare 401; this is for logs and metrics,
/// and never carries the presented value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(HeaderName),
    #[error("the {0} header is empty")]
    EmptyHeader(HeaderName),
    #[error("the signature is not hex or base64 of {SIGNATURE_LEN} bytes")]
    MalformedSignature,
    #[error("the Authorization header does not carry basic credentials")]
    MalformedCredentials,
    #[error("no accepted secret matches")]
    NoMatch,
}

/// A successful authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Position in the secret list of the secret that matched: 0 is the current secret.
    pub secret_index: usize,
}

/// A scheme with its accepted secrets.
#[derive(Debug, Clone)]
pub struct Verifier {
    scheme: Scheme,
    secrets: Secrets,
    /// SHA-256 of each secret, for token and basic schemes: comparing digests makes every
    /// comparison the same length, so the time taken says nothing about the secret's length.
    digests: Vec<[u8; 32]>,
}

impl Verifier {
    /// For basic auth every secret must be `user:password`.
    pub fn new(scheme: Scheme, secrets: Secrets) -> Result<Self, SecretError> {
        if scheme == Scheme::Basic {
            if let Some(index) = secrets.iter().position(|s| !s.expose().contains(&b':')) {
                return Err(SecretError::NotUserPassword { index });
            }
        }
        let digests = secrets.iter().map(|s| sha256(s.expose())).collect();
        Ok(Self {
            scheme,
            secrets,
            digests,
        })
    }

    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// Checks the delivery's headers against the raw body. Nothing of the body is parsed.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Verified, VerifyError> {
        match &self.scheme {
            Scheme::HmacSha256 { header } => {
                let signature = decode_signature(header_text(headers, header)?)?;
                self.match_hmac(&signature, body)
            }
            Scheme::Token { header } => {
                let token = header_text(headers, header)?;
                self.match_digest(token.as_bytes())
            }
            Scheme::Basic => {
                let value = header_text(headers, &AUTHORIZATION)?;
                let credentials = decode_basic(value)?;
                self.match_digest(&credentials)
            }
        }
    }

    fn match_hmac(
        &self,
        signature: &[u8; SIGNATURE_LEN],
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        self.secrets
            .iter()
            .position(|secret| {
                // `verify_slice` compares in constant time.
                hmac_of(secret, body).verify_slice(signature).is_ok()
            })
            .map(|secret_index| Verified { secret_index })
            .ok_or(VerifyError::NoMatch)
    }

    fn match_digest(&self, presented: &[u8]) -> Result<Verified, VerifyError> {
        let presented = sha256(presented);
        self.digests
            .iter()
            .position(|digest| bool::from(digest.ct_eq(&presented)))
            .map(|secret_index| Verified { secret_index })
            .ok_or(VerifyError::NoMatch)
    }
}

/// The lowercase hex HMAC-SHA256 of `body` under `secret`: what a sender puts in its signature
/// header. Public so that tests and sample events can make valid requests.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    crate::digest::hex(&hmac_of(secret, body).finalize().into_bytes())
}

/// The header a sender adds to authenticate `body` with `secret` under `scheme`: the inverse of
/// [`Verifier::verify`], for tests, sample events and tools.
pub fn credential_header(scheme: &Scheme, secret: &Secret, body: &[u8]) -> (HeaderName, String) {
    let value = match scheme {
        Scheme::HmacSha256 { .. } => sign(secret, body),
        Scheme::Token { .. } => token(secret),
        Scheme::Basic => basic_authorization(secret),
    };
    (scheme.header(), value)
}

/// The `Authorization` header value for basic credentials `user:password`.
pub fn basic_authorization(credentials: &Secret) -> String {
    format!("Basic {}", STANDARD.encode(credentials.expose()))
}

/// The token value to present for the token scheme (the secret itself). Named so that test
/// code that needs it says so.
pub fn token(secret: &Secret) -> String {
    String::from_utf8_lossy(secret.expose()).into_owned()
}

fn hmac_of(secret: &Secret, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps it panic-free.
    let mut mac = match HmacSha256::new_from_slice(secret.expose()) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac_key(),
    };
    mac.update(body);
    mac
}

#[cold]
fn unreachable_hmac_key() -> HmacSha256 {
    // `Hmac::new_from_slice` never fails for HMAC: every key length is valid (RFC 2104).
    // Should that ever change, an all-zero-key MAC can never equal a signature made with a real
    // non-empty secret, so verification still fails closed.
    <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn header_text<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h str, VerifyError> {
    let value = headers
        .get(name)
        .ok_or_else(|| VerifyError::MissingHeader(name.clone()))?;
    let text = value.to_str().map_err(|_| VerifyError::NoMatch)?.trim();
    if text.is_empty() {
        return Err(VerifyError::EmptyHeader(name.clone()));
    }
    Ok(text)
}

/// Accepts hex (either case) or base64 (standard or URL-safe alphabet, padded), with or without
/// the `sha256=` prefix. Anything that does not decode to exactly 32 bytes is malformed.
fn decode_signature(value: &str) -> Result<[u8; SIGNATURE_LEN], VerifyError> {
    let encoded = strip_prefix_ignore_case(value, SIGNATURE_PREFIX).trim();
    let mut signature = [0u8; SIGNATURE_LEN];
    if encoded.len() == 2 * SIGNATURE_LEN && hex::decode_to_slice(encoded, &mut signature).is_ok() {
        return Ok(signature);
    }
    for engine in [&STANDARD, &URL_SAFE] {
        if let Ok(bytes) = engine.decode(encoded) {
            if let Ok(decoded) = <[u8; SIGNATURE_LEN]>::try_from(bytes.as_slice()) {
                return Ok(decoded);
            }
        }
    }
    Err(VerifyError::MalformedSignature)
}

fn decode_basic(value: &str) -> Result<Vec<u8>, VerifyError> {
    let has_prefix = value
        .get(..BASIC_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(BASIC_PREFIX));
    if !has_prefix {
        return Err(VerifyError::MalformedCredentials);
    }
    STANDARD
        .decode(value[BASIC_PREFIX.len()..].trim())
        .map_err(|_| VerifyError::MalformedCredentials)
}

fn strip_prefix_ignore_case<'v>(value: &'v str, prefix: &str) -> &'v str {
    match value.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &value[prefix.len()..],
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    const HEADER: &str = "x-signature";

    fn secret(text: &str) -> Secret {
        Secret::new(text.as_bytes()).unwrap()
    }

    fn hmac_verifier(secrets: &str) -> Verifier {
        let scheme: Scheme = format!("hmac-sha256:{HEADER}").parse().unwrap();
        Verifier::new(scheme, Secrets::parse_list(secrets).unwrap()).unwrap()
    }

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_str(name).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_BODY: &[u8] = b"what do ya want for nothing?";
    const RFC4231_HEX: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn sign_matches_the_rfc_4231_vector() {
        assert_eq!(sign(&secret("Jefe"), RFC4231_BODY), RFC4231_HEX);
    }

    #[test]
    fn given_a_known_vector_when_sent_in_every_accepted_encoding_then_it_verifies() {
        let verifier = hmac_verifier("Jefe");
        let raw = hex::decode(RFC4231_HEX).unwrap();
        let encodings = [
            RFC4231_HEX.to_string(),
            RFC4231_HEX.to_uppercase(),
            format!("sha256={RFC4231_HEX}"),
            format!("SHA256={}", RFC4231_HEX.to_uppercase()),
            STANDARD.encode(&raw),
            URL_SAFE.encode(&raw),
            format!("sha256={}", STANDARD.encode(&raw)),
            format!("  {RFC4231_HEX}  "),
        ];
        for value in encodings {
            assert_eq!(
                verifier.verify(&headers(HEADER, &value), RFC4231_BODY),
                Ok(Verified { secret_index: 0 }),
                "encoding {value:?}"
            );
        }
    }

    #[test]
    fn given_several_secrets_then_the_index_of_the_matching_one_is_reported() {
        let verifier = hmac_verifier("new-secret, Jefe ,older");
        let verified = verifier.verify(&headers(HEADER, RFC4231_HEX), RFC4231_BODY);
        assert_eq!(verified, Ok(Verified { secret_index: 1 }));
    }

    #[test]
    fn negative_cases_are_refused_with_their_reason() {
        let verifier = hmac_verifier("Jefe");
        let body = RFC4231_BODY;
        let other_secret = sign(&secret("not-jefe"), body);
        let other_body = sign(&secret("Jefe"), b"what do ya want for something?");
        let cases: Vec<(HeaderMap, VerifyError)> = vec![
            (
                HeaderMap::new(),
                VerifyError::MissingHeader(HeaderName::from_static(HEADER)),
            ),
            (
                headers(HEADER, ""),
                VerifyError::EmptyHeader(HeaderName::from_static(HEADER)),
            ),
            (
                headers(HEADER, "   "),
                VerifyError::EmptyHeader(HeaderName::from_static(HEADER)),
            ),
            (
                headers(HEADER, &RFC4231_HEX[..63]),
                VerifyError::MalformedSignature,
            ),
            (
                headers(HEADER, &RFC4231_HEX[..62]),
                VerifyError::MalformedSignature,
            ),
            (headers(HEADER, "sha256="), VerifyError::MalformedSignature),
            (
                headers(HEADER, &"zz".repeat(32)),
                VerifyError::MalformedSignature,
            ),
            (
                headers(HEADER, "not base64 at all!"),
                VerifyError::MalformedSignature,
            ),
            (
                headers(HEADER, &format!("{RFC4231_HEX}00")),
                VerifyError::MalformedSignature,
            ),
            (
                headers(HEADER, &STANDARD.encode([0u8; 31])),
                VerifyError::MalformedSignature,
            ),
            (headers(HEADER, &other_secret), VerifyError::NoMatch),
            (headers(HEADER, &other_body), VerifyError::NoMatch),
            (
                headers("x-other", RFC4231_HEX),
                VerifyError::MissingHeader(HeaderName::from_static(HEADER)),
            ),
        ];
        for (headers, expected) in cases {
            assert_eq!(
                verifier.verify(&headers, body),
                Err(expected.clone()),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn a_signature_of_the_body_with_one_byte_changed_is_refused() {
        let verifier = hmac_verifier("s3cret");
        let body = br#"{"id":"1","event_name":"a.b","event_timestamp":1}"#;
        let signature = sign(&secret("s3cret"), body);
        let mut tampered = body.to_vec();
        tampered[8] = b'2';
        assert!(verifier.verify(&headers(HEADER, &signature), body).is_ok());
        assert_eq!(
            verifier.verify(&headers(HEADER, &signature), &tampered),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn token_scheme_compares_the_whole_value() {
        let scheme: Scheme = "token:X-Hub-Token".parse().unwrap();
        let verifier =
            Verifier::new(scheme, Secrets::parse_list("current,previous").unwrap()).unwrap();
        let check = |value: &str| verifier.verify(&headers("x-hub-token", value), b"{}");
        assert_eq!(check("current"), Ok(Verified { secret_index: 0 }));
        assert_eq!(check("previous"), Ok(Verified { secret_index: 1 }));
        for wrong in ["curren", "currentt", "CURRENT", "previou", "x"] {
            assert_eq!(check(wrong), Err(VerifyError::NoMatch), "{wrong}");
        }
        assert_eq!(
            verifier.verify(&HeaderMap::new(), b"{}"),
            Err(VerifyError::MissingHeader(HeaderName::from_static(
                "x-hub-token"
            )))
        );
    }

    #[test]
    fn basic_scheme_checks_user_and_password() {
        let verifier = Verifier::new(
            Scheme::Basic,
            Secrets::parse_list("hub:pa:ss,old:word").unwrap(),
        )
        .unwrap();
        let check = |value: &str| verifier.verify(&headers("authorization", value), b"{}");
        let good = basic_authorization(&secret("hub:pa:ss"));
        assert_eq!(check(&good), Ok(Verified { secret_index: 0 }));
        assert_eq!(
            check(&good.replacen("Basic", "bAsIc", 1)),
            Ok(Verified { secret_index: 0 })
        );
        assert_eq!(
            check(&basic_authorization(&secret("old:word"))),
            Ok(Verified { secret_index: 1 })
        );
        assert_eq!(
            check(&basic_authorization(&secret("hub:pa"))),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            check(&basic_authorization(&secret("other:pa:ss"))),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            check("Bearer aHViOnBhOnNz"),
            Err(VerifyError::MalformedCredentials)
        );
        assert_eq!(check("Basic !!!"), Err(VerifyError::MalformedCredentials));
        assert_eq!(check("Basic"), Err(VerifyError::MalformedCredentials));
    }

    #[test]
    fn credential_header_makes_what_verify_accepts_under_every_scheme() {
        for text in ["hmac-sha256:x-sig", "token:x-token", "basic"] {
            let scheme: Scheme = text.parse().unwrap();
            let verifier = Verifier::new(
                scheme.clone(),
                Secrets::parse_list("old:one,user:pass").unwrap(),
            )
            .unwrap();
            let (name, value) = credential_header(&scheme, &secret("user:pass"), b"{}");
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_str(&value).unwrap());
            assert_eq!(
                verifier.verify(&headers, b"{}"),
                Ok(Verified { secret_index: 1 }),
                "{text}"
            );
        }
    }

    #[test]
    fn basic_scheme_refuses_secrets_without_a_colon() {
        let secrets = Secrets::parse_list("user:pw,justapassword").unwrap();
        assert_eq!(
            Verifier::new(Scheme::Basic, secrets).unwrap_err(),
            SecretError::NotUserPassword { index: 1 }
        );
    }

    #[test]
    fn empty_secrets_are_refused() {
        assert_eq!(Secret::new(Vec::new()).unwrap_err(), SecretError::Empty);
        assert_eq!(Secrets::parse_list("").unwrap_err(), SecretError::NoneGiven);
        assert_eq!(
            Secrets::parse_list("  ").unwrap_err(),
            SecretError::NoneGiven
        );
        assert_eq!(
            Secrets::parse_list("a,,b").unwrap_err(),
            SecretError::EmptyEntry { index: 1 }
        );
        assert_eq!(
            Secrets::parse_list("a, ").unwrap_err(),
            SecretError::EmptyEntry { index: 1 }
        );
        assert_eq!(
            Secrets::new(Vec::new()).unwrap_err(),
            SecretError::NoneGiven
        );
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let verifier = hmac_verifier("hunter2-very-secret,second-secret");
        let shown = format!("{verifier:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("second-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn scheme_forms_parse_and_print_back() {
        for text in ["hmac-sha256:x-wayke-signature", "token:x-api-key", "basic"] {
            let scheme: Scheme = text.parse().unwrap();
            assert_eq!(scheme.to_string(), text);
        }
        assert_eq!(
            "HMAC-SHA256:X-Sig".parse::<Scheme>().unwrap().to_string(),
            "hmac-sha256:x-sig"
        );
        assert_eq!(
            "token:X-Key".parse::<Scheme>().unwrap().header(),
            HeaderName::from_static("x-key")
        );
        assert_eq!(Scheme::Basic.header(), AUTHORIZATION);
        assert_eq!("md5:x".parse::<Scheme>(), Err(SchemeError::Unknown));
        assert_eq!("token".parse::<Scheme>(), Err(SchemeError::Unknown));
        assert_eq!("token:".parse::<Scheme>(), Err(SchemeError::MissingHeader));
        assert_eq!(
            "token:bad header".parse::<Scheme>(),
            Err(SchemeError::InvalidHeader)
        );
    }
}
