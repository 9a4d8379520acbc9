//! Keys as Dapr's local cryptography components read them (`ParseKey` of
//! `github.com/dapr/kit/crypto`) and the key wrapping they do with them.
//!
//! A key is a JWK (JSON), a PEM block (RSA in PKCS#1, PKCS#8 or PKIX; other
//! key types are read but wrap nothing) or raw symmetric bytes, optionally
//! base64 (standard or URL alphabet). The file extension decides (`.json`:
//! JWK, `.pem`: PEM); without one, the content does, as in Dapr: a JWK if
//! it starts with `{` and is not 16, 24 or 32 bytes long, PEM if it starts
//! with `-----`, otherwise symmetric. A JWK's `use`, `key_ops` and `alg`
//! restrict what it may do.

use aes_gcm::aead::OsRng;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{BigUint, Oaep, RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::Sha256;

use super::scheme::KeyWrap;
use crate::wit::Error;

/// Key material.
pub enum Material {
    /// A symmetric key.
    Symmetric(Vec<u8>),
    /// An RSA private key (it also wraps, with its public half).
    RsaPrivate(Box<RsaPrivateKey>),
    /// An RSA public key: it wraps, but cannot unwrap.
    RsaPublic(Box<RsaPublicKey>),
    /// A key of another type (EC, OKP), which no scheme algorithm uses.
    Other(String),
}

impl Material {
    /// What kind of key this is, for messages.
    fn kind(&self) -> String {
        match self {
            Material::Symmetric(key) => format!("a {}-bit symmetric key", key.len() * 8),
            Material::RsaPrivate(_) => "an RSA private key".into(),
            Material::RsaPublic(_) => "an RSA public key".into(),
            Material::Other(kind) => format!("an {kind}"),
        }
    }
}

/// A key and what it may be used for.
pub struct Key {
    /// The key itself.
    pub material: Material,
    /// A JWK's `use` (`enc` or `sig`), if given.
    usage: Option<String>,
    /// A JWK's `key_ops`, if given.
    operations: Vec<String>,
    /// A JWK's `alg`, if given.
    algorithm: Option<String>,
}

/// What a key is asked to do.
#[derive(Clone, Copy)]
pub enum Operation {
    /// Wrap a file key.
    WrapKey,
    /// Unwrap a file key.
    UnwrapKey,
}

impl Operation {
    fn jwk_name(self) -> &'static str {
        match self {
            Operation::WrapKey => "wrapKey",
            Operation::UnwrapKey => "unwrapKey",
        }
    }
}

impl Key {
    fn plain(material: Material) -> Key {
        Key {
            material,
            usage: None,
            operations: Vec::new(),
            algorithm: None,
        }
    }

    /// Reads a key; `extension` is the file's, lowercase, without the dot.
    pub fn parse(raw: &[u8], extension: Option<&str>) -> Result<Key, String> {
        if raw.is_empty() {
            return Err("key is empty".into());
        }
        match extension {
            Some("json") => return parse_jwk(raw),
            Some("pem") => return parse_pem(raw),
            _ => {}
        }
        let len = raw.len();
        if raw[0] == b'{' && len != 16 && len != 24 && len != 32 {
            parse_jwk(raw)
        } else if len > 10 && raw.starts_with(b"-----") {
            parse_pem(raw)
        } else {
            Ok(Key::plain(Material::Symmetric(parse_symmetric(raw))))
        }
    }

    /// Checks that the key may do `operation` with `algorithm`, as Dapr's
    /// `KeyCanPerformOperation` and `KeyCanPerformAlgorithm` do.
    fn check(&self, operation: Operation, algorithm: KeyWrap) -> Result<(), Error> {
        let op = operation.jwk_name();
        let allowed_op = self.operations.is_empty() || self.operations.iter().any(|o| o == op);
        let allowed_use = self.usage.as_deref().is_none_or(|u| u == "enc");
        if !allowed_op || !allowed_use {
            return Err(Error::InvalidArgument(format!(
                "key cannot perform the '{op}' operation"
            )));
        }
        if let Some(alg) = &self.algorithm
            && alg != algorithm.name()
        {
            return Err(Error::InvalidArgument(format!(
                "key cannot be used with algorithm '{}'",
                algorithm.name()
            )));
        }
        Ok(())
    }

    /// `file_key` wrapped with this key by `algorithm`.
    pub fn wrap(&self, file_key: &[u8], algorithm: KeyWrap) -> Result<Vec<u8>, Error> {
        self.check(Operation::WrapKey, algorithm)?;
        match (algorithm, &self.material) {
            (KeyWrap::A256Kw, Material::Symmetric(key)) => {
                let kek = aes_kw::KekAes256::from(aes_key(key)?);
                kek.wrap_vec(file_key).map_err(Error::internal)
            }
            (KeyWrap::RsaOaep256, Material::RsaPrivate(key)) => {
                rsa_encrypt(&key.to_public_key(), file_key)
            }
            (KeyWrap::RsaOaep256, Material::RsaPublic(key)) => rsa_encrypt(key, file_key),
            (KeyWrap::A128CbcNopad | KeyWrap::A192CbcNopad | KeyWrap::A256CbcNopad, _) => {
                Err(unsupported_by_components(algorithm))
            }
            _ => Err(key_type_mismatch(&self.material)),
        }
    }

    /// The file key `wrapped` holds, unwrapped with this key.
    pub fn unwrap(&self, wrapped: &[u8], algorithm: KeyWrap) -> Result<Vec<u8>, Error> {
        self.check(Operation::UnwrapKey, algorithm)?;
        let failed = |e: String| Error::InvalidArgument(format!("failed to decrypt data: {e}"));
        match (algorithm, &self.material) {
            (KeyWrap::A256Kw, Material::Symmetric(key)) => {
                let kek = aes_kw::KekAes256::from(aes_key(key)?);
                kek.unwrap_vec(wrapped).map_err(|e| failed(e.to_string()))
            }
            (KeyWrap::RsaOaep256, Material::RsaPrivate(key)) => key
                .decrypt(Oaep::new::<Sha256>(), wrapped)
                .map_err(|e| failed(e.to_string())),
            (KeyWrap::A128CbcNopad | KeyWrap::A192CbcNopad | KeyWrap::A256CbcNopad, _) => {
                Err(unsupported_by_components(algorithm))
            }
            _ => Err(key_type_mismatch(&self.material)),
        }
    }
}

/// Dapr's scheme names the AES-CBC wrappings, but its local components do
/// not perform them (`unsupported algorithm` from daprd too).
fn unsupported_by_components(algorithm: KeyWrap) -> Error {
    Error::Unsupported(format!(
        "failed to encrypt data: unsupported algorithm ({} is named by the scheme, but local \
         keys wrap with A256KW or RSA-OAEP-256 only)",
        algorithm.name()
    ))
}

fn key_type_mismatch(material: &Material) -> Error {
    Error::InvalidArgument(format!(
        "key type mismatch: the key is {} (A256KW needs a 256-bit symmetric key, RSA-OAEP-256 \
         an RSA key, and only its private key unwraps)",
        material.kind()
    ))
}

fn aes_key(key: &[u8]) -> Result<[u8; 32], Error> {
    key.try_into()
        .map_err(|_| key_type_mismatch(&Material::Symmetric(key.to_vec())))
}

fn rsa_encrypt(key: &RsaPublicKey, data: &[u8]) -> Result<Vec<u8>, Error> {
    key.encrypt(&mut OsRng, Oaep::new::<Sha256>(), data)
        .map_err(|e| Error::InvalidArgument(format!("failed to encrypt data: {e}")))
}

/// Base64 as Go's raw (unpadded) decoders read it, which also skip line
/// breaks and accept stray bits at the end.
fn lenient(alphabet: &base64::alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    )
}

/// A symmetric key: base64 (standard, then URL alphabet) if it decodes,
/// otherwise the bytes themselves.
fn parse_symmetric(raw: &[u8]) -> Vec<u8> {
    let end = raw
        .iter()
        .rposition(|b| *b != b'\n' && *b != b'=')
        .map_or(0, |i| i + 1);
    let trimmed: Vec<u8> = raw[..end]
        .iter()
        .copied()
        .filter(|b| *b != b'\n' && *b != b'\r')
        .collect();
    for alphabet in [&base64::alphabet::STANDARD, &base64::alphabet::URL_SAFE] {
        if let Ok(decoded) = lenient(alphabet).decode(&trimmed) {
            return decoded;
        }
    }
    raw.to_vec()
}

fn parse_jwk(raw: &[u8]) -> Result<Key, String> {
    let jwk: Value = serde_json::from_slice(raw).map_err(|e| format!("invalid JWK: {e}"))?;
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let value = text(name).ok_or_else(|| format!("the JWK has no `{name}`"))?;
        lenient(&base64::alphabet::URL_SAFE)
            .decode(value.trim_end_matches('='))
            .map_err(|e| format!("the JWK's `{name}` is not base64url: {e}"))
    };
    let number = |name: &str| bytes(name).map(|b| BigUint::from_bytes_be(&b));
    let material = match text("kty") {
        Some("oct") => Material::Symmetric(bytes("k")?),
        Some("RSA") if jwk.get("d").is_some() => {
            let mut primes = Vec::new();
            for name in ["p", "q"] {
                if jwk.get(name).is_some() {
                    primes.push(number(name)?);
                }
            }
            let key =
                RsaPrivateKey::from_components(number("n")?, number("e")?, number("d")?, primes)
                    .map_err(|e| format!("invalid RSA JWK: {e}"))?;
            Material::RsaPrivate(Box::new(key))
        }
        Some("RSA") => Material::RsaPublic(Box::new(
            RsaPublicKey::new(number("n")?, number("e")?)
                .map_err(|e| format!("invalid RSA JWK: {e}"))?,
        )),
        Some(kty @ ("EC" | "OKP")) => Material::Other(kty.to_string()),
        Some(kty) => return Err(format!("invalid key type `{kty}`")),
        None => return Err("the JWK has no `kty`".into()),
    };
    Ok(Key {
        material,
        usage: text("use").map(str::to_string),
        operations: jwk
            .get("key_ops")
            .and_then(Value::as_array)
            .map(|ops| {
                ops.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        algorithm: text("alg").map(str::to_string),
    })
}

fn parse_pem(raw: &[u8]) -> Result<Key, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "the PEM file is not text".to_string())?;
    let begin = text.find("-----BEGIN ").ok_or("no PEM block found")?;
    let label_start = begin + "-----BEGIN ".len();
    let label_len = text[label_start..]
        .find("-----")
        .ok_or("malformed PEM block")?;
    let label = &text[label_start..label_start + label_len];
    let end_marker = format!("-----END {label}-----");
    let end = text[begin..]
        .find(&end_marker)
        .map(|i| begin + i + end_marker.len())
        .ok_or("the PEM block has no end")?;
    let block = &text[begin..end];
    let failed = |e: &dyn std::fmt::Display| format!("invalid {label}: {e}");
    let material = match label {
        "RSA PRIVATE KEY" => Material::RsaPrivate(Box::new(
            RsaPrivateKey::from_pkcs1_pem(block).map_err(|e| failed(&e))?,
        )),
        "RSA PUBLIC KEY" => Material::RsaPublic(Box::new(
            RsaPublicKey::from_pkcs1_pem(block).map_err(|e| failed(&e))?,
        )),
        "PRIVATE KEY" => match RsaPrivateKey::from_pkcs8_pem(block) {
            Ok(key) => Material::RsaPrivate(Box::new(key)),
            Err(rsa::pkcs8::Error::PublicKey(_) | rsa::pkcs8::Error::KeyMalformed) => {
                return Err(failed(&"malformed key"));
            }
            Err(_) => Material::Other("EC or EdDSA private key".into()),
        },
        "PUBLIC KEY" => match RsaPublicKey::from_public_key_pem(block) {
            Ok(key) => Material::RsaPublic(Box::new(key)),
            Err(
                rsa::pkcs8::spki::Error::OidUnknown { .. }
                | rsa::pkcs8::spki::Error::AlgorithmParametersMissing,
            ) => Material::Other("EC or EdDSA public key".into()),
            Err(e) => return Err(failed(&e)),
        },
        "EC PRIVATE KEY" => Material::Other("EC private key".into()),
        other => return Err(format!("unsupported PEM block `{other}`")),
    };
    Ok(Key::plain(material))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_keys_are_base64_or_raw_as_in_dapr() {
        let key = [7u8; 32];
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        for raw in [format!("{b64}\n"), b64.trim_end_matches('=').to_string()] {
            let Material::Symmetric(parsed) = Key::parse(raw.as_bytes(), None).unwrap().material
            else {
                panic!("not symmetric");
            };
            assert_eq!(parsed, key);
        }
        let Material::Symmetric(parsed) = Key::parse(&[0xff; 32], None).unwrap().material else {
            panic!("not symmetric");
        };
        assert_eq!(parsed, [0xff; 32]);
    }

    #[test]
    fn jwk_restrictions_apply() {
        let jwk = br#"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"A256KW","key_ops":["wrapKey"]}"#;
        let key = Key::parse(jwk, Some("json")).unwrap();
        let wrapped = key.wrap(&[1; 32], KeyWrap::A256Kw).unwrap();
        assert_eq!(wrapped.len(), 40);
        assert!(key.unwrap(&wrapped, KeyWrap::A256Kw).is_err());
        let sig = br#"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","use":"sig"}"#;
        assert!(
            Key::parse(sig, None)
                .unwrap()
                .wrap(&[1; 32], KeyWrap::A256Kw)
                .is_err()
        );
    }

    #[test]
    fn wrong_key_types_are_refused() {
        let short = Key::parse(&[1u8; 16], None).unwrap();
        assert!(matches!(
            short.wrap(&[1; 32], KeyWrap::A256Kw),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            short.wrap(&[1; 32], KeyWrap::RsaOaep256),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            short.wrap(&[1; 32], KeyWrap::A128CbcNopad),
            Err(Error::Unsupported(_))
        ));
    }
}
