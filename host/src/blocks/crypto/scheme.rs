//! Dapr's encryption scheme v1 (`dapr.io/enc/v1`), byte for byte as
//! `github.com/dapr/kit/schemes/enc/v1` writes and reads it, so that
//! ciphertexts cross between this host and any Dapr sidecar.
//!
//! A message is a text header, `dapr.io/enc/v1\n<manifest JSON>\n<MAC>\n`,
//! then the plaintext in 64 KiB segments, each sealed with the data cipher
//! and its 16-byte tag. A random 256-bit file key, wrapped with the
//! component's key into the manifest, gives (HKDF-SHA-256) the header's
//! HMAC-SHA-256 key (info `header`) and the payload key (info `payload`,
//! salt the manifest's 7-byte nonce prefix). Segment `i` is sealed with the
//! nonce `prefix || i (u32, big-endian) || last (1 byte)`, so segments can
//! be neither reordered nor dropped at the end. An empty plaintext has no
//! segment.
//!
//! [`Encryptor`] and [`Decryptor`] are push-style: each `write` returns the
//! output ready so far, `finish` the rest. The key wrapping itself is the
//! component's, behind [`KeyWrapper`].

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::wit::Error;
use crate::wit::dapr::runtime::crypto::DataCipher;

/// The scheme's name, the header's first line.
pub const SCHEME_NAME: &str = "dapr.io/enc/v1";
/// The plaintext size of every segment but the last.
pub const SEGMENT_SIZE: usize = 64 << 10;
/// What sealing adds to a segment (the AEAD tag).
const SEGMENT_OVERHEAD: usize = 16;
/// The length of the random nonce prefix.
const NONCE_PREFIX_LENGTH: usize = 7;
/// The length of the file key.
const FILE_KEY_LENGTH: usize = 32;

/// A key wrap algorithm of the scheme, with its manifest id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyWrap {
    /// AES key wrap (RFC 3394) with a 256-bit key; id 1.
    A256Kw,
    /// AES-CBC without padding, 128-bit key; id 2.
    A128CbcNopad,
    /// AES-CBC without padding, 192-bit key; id 3.
    A192CbcNopad,
    /// AES-CBC without padding, 256-bit key; id 4.
    A256CbcNopad,
    /// RSA-OAEP with SHA-256; id 5.
    RsaOaep256,
}

impl KeyWrap {
    const ALL: [KeyWrap; 5] = [
        KeyWrap::A256Kw,
        KeyWrap::A128CbcNopad,
        KeyWrap::A192CbcNopad,
        KeyWrap::A256CbcNopad,
        KeyWrap::RsaOaep256,
    ];

    /// The algorithm Dapr's name (any case; aliases `AES` and `RSA`) means.
    pub fn parse(name: &str) -> Result<KeyWrap, Error> {
        let upper = name.to_ascii_uppercase();
        let resolved = match upper.as_str() {
            "AES" => "A256KW",
            "RSA" => "RSA-OAEP-256",
            other => other,
        };
        KeyWrap::ALL
            .into_iter()
            .find(|alg| alg.name() == resolved)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "key wrap algorithm {upper} is not supported (the scheme knows A256KW, \
                     A128CBC-NOPAD, A192CBC-NOPAD, A256CBC-NOPAD and RSA-OAEP-256)"
                ))
            })
    }

    /// Its name, as JWKs and Dapr write it.
    pub fn name(self) -> &'static str {
        match self {
            KeyWrap::A256Kw => "A256KW",
            KeyWrap::A128CbcNopad => "A128CBC-NOPAD",
            KeyWrap::A192CbcNopad => "A192CBC-NOPAD",
            KeyWrap::A256CbcNopad => "A256CBC-NOPAD",
            KeyWrap::RsaOaep256 => "RSA-OAEP-256",
        }
    }

    fn id(self) -> u8 {
        match self {
            KeyWrap::A256Kw => 1,
            KeyWrap::A128CbcNopad => 2,
            KeyWrap::A192CbcNopad => 3,
            KeyWrap::A256CbcNopad => 4,
            KeyWrap::RsaOaep256 => 5,
        }
    }

    fn from_id(id: u8) -> Option<KeyWrap> {
        KeyWrap::ALL.into_iter().find(|alg| alg.id() == id)
    }
}

fn cipher_id(cipher: DataCipher) -> u8 {
    match cipher {
        DataCipher::AesGcm => 1,
        DataCipher::Chacha20Poly1305 => 2,
    }
}

fn cipher_from_id(id: u8) -> Option<DataCipher> {
    match id {
        1 => Some(DataCipher::AesGcm),
        2 => Some(DataCipher::Chacha20Poly1305),
        _ => None,
    }
}

/// Wraps and unwraps file keys with a component's keys.
pub trait KeyWrapper: Send + Sync {
    /// `file_key` wrapped with key `key_name` by `algorithm`.
    fn wrap(&self, file_key: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error>;

    /// The file key `wrapped` holds, unwrapped with key `key_name`.
    fn unwrap(&self, wrapped: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error>;
}

impl<T: KeyWrapper + ?Sized> KeyWrapper for std::sync::Arc<T> {
    fn wrap(&self, file_key: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
        (**self).wrap(file_key, algorithm, key_name)
    }

    fn unwrap(&self, wrapped: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
        (**self).unwrap(wrapped, algorithm, key_name)
    }
}

/// The manifest, the header's second line (Dapr's field names and order).
#[derive(Serialize, Deserialize)]
struct Manifest {
    /// The name of the key that decrypts, if recorded.
    #[serde(rename = "k", default, skip_serializing_if = "String::is_empty")]
    key_name: String,
    /// The key wrap algorithm's id.
    #[serde(rename = "kw")]
    key_wrap: u8,
    /// The wrapped file key (base64 in JSON).
    #[serde(rename = "wfk", with = "base64_bytes")]
    wrapped_key: Vec<u8>,
    /// The data cipher's id.
    #[serde(rename = "cph")]
    cipher: u8,
    /// The nonce prefix (base64 in JSON).
    #[serde(rename = "np", with = "base64_bytes")]
    nonce_prefix: Vec<u8>,
}

/// Bytes as standard base64 with padding, as Go's `encoding/json` writes
/// `[]byte`.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// The keys derived from one file key.
struct FileKey {
    header_key: [u8; 32],
    sealer: Sealer,
    nonce_prefix: [u8; NONCE_PREFIX_LENGTH],
}

/// The data cipher with the payload key.
enum Sealer {
    AesGcm(Box<Aes256Gcm>),
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
}

impl FileKey {
    fn new(file_key: &[u8], nonce_prefix: [u8; NONCE_PREFIX_LENGTH], cipher: DataCipher) -> Self {
        let mut header_key = [0u8; 32];
        Hkdf::<Sha256>::new(None, file_key)
            .expand(b"header", &mut header_key)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        let mut payload_key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&nonce_prefix), file_key)
            .expand(b"payload", &mut payload_key)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        let sealer = match cipher {
            DataCipher::AesGcm => Sealer::AesGcm(Box::new(Aes256Gcm::new(&payload_key.into()))),
            DataCipher::Chacha20Poly1305 => {
                Sealer::ChaCha20Poly1305(Box::new(ChaCha20Poly1305::new(&payload_key.into())))
            }
        };
        FileKey {
            header_key,
            sealer,
            nonce_prefix,
        }
    }

    /// The MAC of the header's first two lines.
    fn header_mac(&self, manifest: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.header_key)
            .expect("HMAC takes keys of any length");
        mac.update(SCHEME_NAME.as_bytes());
        mac.update(b"\n");
        mac.update(manifest);
        mac.update(b"\n");
        mac
    }

    fn nonce(&self, segment: u32, last: bool) -> [u8; 12] {
        let mut nonce = [0u8; 12];
        nonce[..NONCE_PREFIX_LENGTH].copy_from_slice(&self.nonce_prefix);
        nonce[NONCE_PREFIX_LENGTH..11].copy_from_slice(&segment.to_be_bytes());
        nonce[11] = u8::from(last);
        nonce
    }

    fn seal(&self, segment: u32, last: bool, plaintext: &[u8]) -> Vec<u8> {
        let nonce = self.nonce(segment, last);
        let nonce = Nonce::from_slice(&nonce);
        match &self.sealer {
            Sealer::AesGcm(aead) => aead.encrypt(nonce, plaintext),
            Sealer::ChaCha20Poly1305(aead) => aead.encrypt(nonce, plaintext),
        }
        .expect("a segment is far below the AEAD's size limit")
    }

    fn open(&self, segment: u32, last: bool, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce = self.nonce(segment, last);
        let nonce = Nonce::from_slice(&nonce);
        match &self.sealer {
            Sealer::AesGcm(aead) => aead.decrypt(nonce, sealed),
            Sealer::ChaCha20Poly1305(aead) => aead.decrypt(nonce, sealed),
        }
        .map_err(|_| {
            Error::InvalidArgument(format!(
                "error processing segment {segment}: failed to decrypt segment (the ciphertext \
                 was changed or cut short)"
            ))
        })
    }
}

/// What [`Encryptor::new`] needs besides the key wrapper.
pub struct EncryptParams<'a> {
    /// The key that wraps the file key.
    pub key_name: &'a str,
    /// How it wraps it.
    pub key_wrap: KeyWrap,
    /// The data cipher.
    pub cipher: DataCipher,
    /// The key name recorded in the manifest; empty: none.
    pub recorded_key_name: &'a str,
}

/// Encrypts one message, pushed a chunk at a time.
pub struct Encryptor {
    key: FileKey,
    /// The header, until the first output.
    header: Option<Vec<u8>>,
    /// Plaintext not sealed yet: sealed only once more input shows that it
    /// is not the last segment.
    pending: Vec<u8>,
    segment: u32,
}

impl Encryptor {
    /// Starts a message: a fresh file key, wrapped by `wrapper`.
    pub fn new(wrapper: &dyn KeyWrapper, params: EncryptParams) -> Result<Encryptor, Error> {
        let mut random = [0u8; FILE_KEY_LENGTH + NONCE_PREFIX_LENGTH];
        OsRng.fill_bytes(&mut random);
        let (file_key, prefix) = random.split_at(FILE_KEY_LENGTH);
        let nonce_prefix: [u8; NONCE_PREFIX_LENGTH] = prefix.try_into().expect("7 bytes");
        let wrapped_key = wrapper
            .wrap(file_key, params.key_wrap, params.key_name)
            .map_err(|e| prefix_message(e, "failed to wrap the file key: "))?;
        let manifest = serde_json::to_vec(&Manifest {
            key_name: params.recorded_key_name.to_string(),
            key_wrap: params.key_wrap.id(),
            wrapped_key,
            cipher: cipher_id(params.cipher),
            nonce_prefix: nonce_prefix.to_vec(),
        })
        .map_err(Error::internal)?;
        let key = FileKey::new(file_key, nonce_prefix, params.cipher);
        let mac = key.header_mac(&manifest).finalize().into_bytes();
        let mut header = Vec::with_capacity(SCHEME_NAME.len() + manifest.len() + 48);
        header.extend_from_slice(SCHEME_NAME.as_bytes());
        header.push(b'\n');
        header.extend_from_slice(&manifest);
        header.push(b'\n');
        header.extend_from_slice(STANDARD.encode(mac).as_bytes());
        header.push(b'\n');
        if header.len() > SEGMENT_SIZE {
            return Err(Error::InvalidArgument("the header is too long".into()));
        }
        Ok(Encryptor {
            key,
            header: Some(header),
            pending: Vec::new(),
            segment: 0,
        })
    }

    /// Takes the next chunk of plaintext; returns the ciphertext ready.
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = self.header.take().unwrap_or_default();
        self.pending.extend_from_slice(chunk);
        let mut start = 0;
        while self.pending.len() - start > SEGMENT_SIZE {
            let sealed = self.key.seal(
                self.segment,
                false,
                &self.pending[start..start + SEGMENT_SIZE],
            );
            out.extend_from_slice(&sealed);
            self.segment = self
                .segment
                .checked_add(1)
                .ok_or_else(|| Error::InvalidArgument("input stream is too large".into()))?;
            start += SEGMENT_SIZE;
        }
        self.pending.drain(..start);
        Ok(out)
    }

    /// Ends the plaintext; returns the rest of the ciphertext.
    pub fn finish(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = self.header.take().unwrap_or_default();
        if !self.pending.is_empty() {
            out.extend_from_slice(&self.key.seal(self.segment, true, &self.pending));
            self.pending.clear();
        }
        Ok(out)
    }
}

/// Decrypts one message, pushed a chunk at a time.
pub struct Decryptor {
    state: DecryptState,
}

enum DecryptState {
    /// Reading the header; the unwrapping happens once it is complete.
    Header {
        read: Vec<u8>,
        wrapper: Box<dyn KeyWrapper>,
        key_name: Option<String>,
    },
    /// Reading segments.
    Body {
        key: FileKey,
        /// Ciphertext not opened yet: opened only once more input shows
        /// that it is not the last segment.
        pending: Vec<u8>,
        segment: u32,
    },
    /// Failed or finished.
    Done,
}

impl Decryptor {
    /// Starts a message whose file key `wrapper` unwraps with `key_name`
    /// (`None`: the key the manifest names).
    pub fn new(wrapper: Box<dyn KeyWrapper>, key_name: Option<String>) -> Decryptor {
        Decryptor {
            state: DecryptState::Header {
                read: Vec::new(),
                wrapper,
                key_name: key_name.filter(|k| !k.is_empty()),
            },
        }
    }

    /// Takes the next chunk of ciphertext; returns the plaintext
    /// authenticated so far.
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        let result = self.push(chunk);
        if result.is_err() {
            self.state = DecryptState::Done;
        }
        result
    }

    /// Ends the ciphertext; returns the rest of the plaintext.
    pub fn finish(&mut self) -> Result<Vec<u8>, Error> {
        let state = std::mem::replace(&mut self.state, DecryptState::Done);
        match state {
            DecryptState::Header { read, .. } => Err(incomplete_header(&read)),
            DecryptState::Body {
                key,
                pending,
                segment,
            } => {
                if pending.is_empty() {
                    Ok(Vec::new())
                } else {
                    key.open(segment, true, &pending)
                }
            }
            DecryptState::Done => Err(Error::InvalidArgument(
                "the stream already failed or finished".into(),
            )),
        }
    }

    fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        let body = match &mut self.state {
            DecryptState::Header {
                read,
                wrapper,
                key_name,
            } => {
                read.extend_from_slice(chunk);
                let Some(end) = header_end(read)? else {
                    return Ok(Vec::new());
                };
                let key = open_header(&read[..end], wrapper.as_ref(), key_name.as_deref())?;
                let rest = read[end..].to_vec();
                self.state = DecryptState::Body {
                    key,
                    pending: Vec::new(),
                    segment: 0,
                };
                rest
            }
            DecryptState::Body { .. } => chunk.to_vec(),
            DecryptState::Done => {
                return Err(Error::InvalidArgument(
                    "the stream already failed or finished".into(),
                ));
            }
        };
        let DecryptState::Body {
            key,
            pending,
            segment,
        } = &mut self.state
        else {
            unreachable!("the header was read above");
        };
        pending.extend_from_slice(&body);
        let sealed_size = SEGMENT_SIZE + SEGMENT_OVERHEAD;
        let mut out = Vec::new();
        let mut start = 0;
        while pending.len() - start > sealed_size {
            out.extend_from_slice(&key.open(
                *segment,
                false,
                &pending[start..start + sealed_size],
            )?);
            *segment = segment
                .checked_add(1)
                .ok_or_else(|| Error::InvalidArgument("input stream is too large".into()))?;
            start += sealed_size;
        }
        pending.drain(..start);
        Ok(out)
    }
}

/// Where the header (three lines) ends in `read`, once it is all there.
fn header_end(read: &[u8]) -> Result<Option<usize>, Error> {
    let invalid = |what: &str| Err(Error::InvalidArgument(format!("invalid header: {what}")));
    let mut line_start = 0;
    let mut lines = 0;
    for (i, byte) in read.iter().enumerate().take(SEGMENT_SIZE) {
        if *byte != b'\n' {
            continue;
        }
        if i == line_start {
            return invalid("invalid format");
        }
        if lines == 0 && &read[..i] != SCHEME_NAME.as_bytes() {
            return invalid("unsupported scheme");
        }
        lines += 1;
        line_start = i + 1;
        if lines == 3 {
            return Ok(Some(line_start));
        }
    }
    if read.len() >= SEGMENT_SIZE {
        return invalid("the header is longer than a segment");
    }
    if lines == 0
        && !SCHEME_NAME
            .as_bytes()
            .starts_with(&read[..read.len().min(SCHEME_NAME.len())])
    {
        return invalid("unsupported scheme");
    }
    Ok(None)
}

/// The error for input that ended inside the header.
fn incomplete_header(read: &[u8]) -> Error {
    let lines = read.iter().filter(|b| **b == b'\n').count();
    let what = match lines {
        0 => "scheme name not found",
        1 => "manifest not found",
        _ => "message authentication code not found",
    };
    Error::InvalidArgument(format!("invalid header: {what}"))
}

/// Checks a complete header and returns the file key it carries.
fn open_header(
    header: &[u8],
    wrapper: &dyn KeyWrapper,
    key_name: Option<&str>,
) -> Result<FileKey, Error> {
    let mut lines = header[..header.len() - 1].split(|b| *b == b'\n').skip(1);
    let (manifest_text, mac_text) = match (lines.next(), lines.next()) {
        (Some(m), Some(mac)) => (m, mac),
        _ => return Err(Error::InvalidArgument("invalid header".into())),
    };
    let invalid_manifest = || Error::InvalidArgument("invalid header: invalid manifest".into());
    let manifest: Manifest =
        serde_json::from_slice(manifest_text).map_err(|_| invalid_manifest())?;
    let key_wrap = KeyWrap::from_id(manifest.key_wrap).ok_or_else(invalid_manifest)?;
    let cipher = cipher_from_id(manifest.cipher).ok_or_else(invalid_manifest)?;
    let nonce_prefix: [u8; NONCE_PREFIX_LENGTH] = manifest
        .nonce_prefix
        .as_slice()
        .try_into()
        .map_err(|_| invalid_manifest())?;
    if manifest.wrapped_key.is_empty() {
        return Err(invalid_manifest());
    }
    let key_name = match key_name {
        Some(name) => name,
        None if !manifest.key_name.is_empty() => &manifest.key_name,
        None => {
            return Err(Error::InvalidArgument(
                "document's manifest does not contain a key name, and no key name was provided"
                    .into(),
            ));
        }
    };
    // As Dapr does: whatever the unwrapping fails with (unknown key, wrong
    // key), go on with a zero key so the MAC check fails the same way and
    // takes about as long, without telling which keys exist.
    let file_key = wrapper
        .unwrap(&manifest.wrapped_key, key_wrap, key_name)
        .ok()
        .filter(|key| key.len() == FILE_KEY_LENGTH)
        .unwrap_or_else(|| vec![0; FILE_KEY_LENGTH]);
    let key = FileKey::new(&file_key, nonce_prefix, cipher);
    let mac = STANDARD
        .decode(mac_text)
        .map_err(|e| Error::InvalidArgument(format!("failed to decode header's signature: {e}")))?;
    key.header_mac(manifest_text)
        .verify_slice(&mac)
        .map_err(|_| {
            Error::InvalidArgument(format!(
                "failed to validate the document's signature (wrong key `{key_name}`, or the \
                 header was changed)"
            ))
        })?;
    Ok(key)
}

/// `error` with `prefix` before its message.
fn prefix_message(error: Error, prefix: &str) -> Error {
    let with = |m: String| format!("{prefix}{m}");
    match error {
        Error::NotFound(m) => Error::NotFound(with(m)),
        Error::Denied(m) => Error::Denied(with(m)),
        Error::EtagMismatch(m) => Error::EtagMismatch(with(m)),
        Error::InvalidArgument(m) => Error::InvalidArgument(with(m)),
        Error::Unavailable(m) => Error::Unavailable(with(m)),
        Error::Unsupported(m) => Error::Unsupported(with(m)),
        Error::Internal(m) => Error::Internal(with(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wraps by XOR with a byte per key name; `wrong` unwraps nothing.
    struct XorWrapper;

    impl KeyWrapper for XorWrapper {
        fn wrap(&self, file_key: &[u8], _: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
            let pad = key_name.len() as u8;
            Ok(file_key.iter().map(|b| b ^ pad).collect())
        }

        fn unwrap(&self, wrapped: &[u8], alg: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
            if key_name == "wrong" {
                return Err(Error::NotFound("no such key".into()));
            }
            self.wrap(wrapped, alg, key_name)
        }
    }

    fn encrypt(plaintext: &[u8], chunk: usize, cipher: DataCipher) -> Vec<u8> {
        let mut enc = Encryptor::new(
            &XorWrapper,
            EncryptParams {
                key_name: "key",
                key_wrap: KeyWrap::A256Kw,
                cipher,
                recorded_key_name: "key",
            },
        )
        .unwrap();
        let mut out = Vec::new();
        for piece in plaintext.chunks(chunk.max(1)) {
            out.extend(enc.write(piece).unwrap());
        }
        out.extend(enc.finish().unwrap());
        out
    }

    fn decrypt(ciphertext: &[u8], chunk: usize, key: Option<&str>) -> Result<Vec<u8>, Error> {
        let mut dec = Decryptor::new(Box::new(XorWrapper), key.map(str::to_string));
        let mut out = Vec::new();
        for piece in ciphertext.chunks(chunk.max(1)) {
            out.extend(dec.write(piece)?);
        }
        out.extend(dec.finish()?);
        Ok(out)
    }

    /// The length of a ciphertext's header: up to its third newline.
    fn header_len(ct: &[u8]) -> usize {
        ct.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(2)
            .unwrap()
            .0
            + 1
    }

    #[test]
    fn round_trips_at_every_size_and_chunking() {
        for size in [
            0,
            1,
            SEGMENT_SIZE - 1,
            SEGMENT_SIZE,
            SEGMENT_SIZE + 1,
            2 * SEGMENT_SIZE + 5,
        ] {
            let plaintext: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            for cipher in [DataCipher::AesGcm, DataCipher::Chacha20Poly1305] {
                for chunk in [7, 4096, SEGMENT_SIZE + 3, usize::MAX] {
                    let ct = encrypt(&plaintext, chunk.min(size.max(1)), cipher);
                    let segments = size.div_ceil(SEGMENT_SIZE);
                    let header = header_len(&ct);
                    assert_eq!(ct.len() - header, size + segments * SEGMENT_OVERHEAD);
                    for read in [1, 300, SEGMENT_SIZE + SEGMENT_OVERHEAD, usize::MAX] {
                        assert_eq!(decrypt(&ct, read.min(ct.len()), None).unwrap(), plaintext);
                    }
                }
            }
        }
    }

    #[test]
    fn tampering_cutting_and_wrong_keys_fail() {
        let plaintext = vec![42u8; SEGMENT_SIZE + 10];
        let ct = encrypt(&plaintext, usize::MAX, DataCipher::AesGcm);
        let mut flipped = ct.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decrypt(&flipped, 1000, None),
            Err(Error::InvalidArgument(_))
        ));
        let header = header_len(&ct);
        let cut = &ct[..header + SEGMENT_SIZE + SEGMENT_OVERHEAD];
        assert!(decrypt(cut, 1000, None).is_err());
        assert!(matches!(
            decrypt(&ct, 1000, Some("wrong")),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            decrypt(&ct, 1000, Some("other")),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            decrypt(b"not a dapr ciphertext", 5, None),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            decrypt(&ct[..20], 5, None),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn the_manifest_is_daprs() {
        let ct = encrypt(b"hi", 2, DataCipher::Chacha20Poly1305);
        let text = String::from_utf8_lossy(&ct);
        let mut lines = text.split('\n');
        assert_eq!(lines.next(), Some(SCHEME_NAME));
        let manifest: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(manifest["k"], "key");
        assert_eq!(manifest["kw"], 1);
        assert_eq!(manifest["cph"], 2);
        assert_eq!(
            STANDARD
                .decode(manifest["np"].as_str().unwrap())
                .unwrap()
                .len(),
            7
        );
        assert_eq!(STANDARD.decode(lines.next().unwrap()).unwrap().len(), 32);
    }

    #[test]
    fn algorithm_names_and_aliases() {
        assert_eq!(KeyWrap::parse("aes").unwrap(), KeyWrap::A256Kw);
        assert_eq!(KeyWrap::parse("rsa").unwrap(), KeyWrap::RsaOaep256);
        assert_eq!(KeyWrap::parse("rsa-oaep-256").unwrap(), KeyWrap::RsaOaep256);
        assert!(matches!(
            KeyWrap::parse("RSA-OAEP"),
            Err(Error::Unsupported(_))
        ));
    }
}
