//! Encryption and decryption with keys a cryptography component holds
//! (Dapr's Cryptography API). The ciphertext is Dapr's `dapr.io/enc/v1`
//! format, so any Dapr sidecar with the same key decrypts it, and the other
//! way round; the keys themselves never reach the component.
//!
//! ```no_run
//! use dapr_guest::crypto::{self, DecryptOptions, EncryptOptions};
//!
//! fn seal(secret: &[u8]) -> dapr_guest::Result<Vec<u8>> {
//!     let sealed = crypto::encrypt(&EncryptOptions::new("vault", "backup-key", "A256KW"), secret)?;
//!     assert_eq!(crypto::decrypt(&DecryptOptions::new("vault"), &sealed)?, secret);
//!     Ok(sealed)
//! }
//! ```
//!
//! Large messages go through a [`Stream`], a chunk at a time.

use crate::Result;
use crate::wit::dapr::runtime::crypto as raw;

pub use raw::{DataCipher, DecryptOptions, EncryptOptions};

impl EncryptOptions {
    /// Encryption with key `key_name` of `component`, wrapped by
    /// `key_wrap_algorithm` (`A256KW` or `RSA-OAEP-256`, or their aliases
    /// `AES` and `RSA`), data sealed with AES-GCM, the key name recorded in
    /// the ciphertext.
    pub fn new(component: &str, key_name: &str, key_wrap_algorithm: &str) -> Self {
        EncryptOptions {
            component: component.to_owned(),
            key_name: key_name.to_owned(),
            key_wrap_algorithm: key_wrap_algorithm.to_owned(),
            data_encryption_cipher: None,
            omit_decryption_key_name: false,
            decryption_key_name: None,
        }
    }

    /// Seals the data with `cipher` instead of AES-GCM.
    pub fn cipher(mut self, cipher: DataCipher) -> Self {
        self.data_encryption_cipher = Some(cipher);
        self
    }

    /// Records `name` in the ciphertext as the key that decrypts (such as
    /// the private half of the public key that encrypts).
    pub fn decryption_key_name(mut self, name: &str) -> Self {
        self.decryption_key_name = Some(name.to_owned());
        self
    }

    /// Records no key name in the ciphertext: whoever decrypts names it.
    pub fn omit_decryption_key_name(mut self) -> Self {
        self.omit_decryption_key_name = true;
        self
    }
}

impl DecryptOptions {
    /// Decryption with `component`, by the key the ciphertext names.
    pub fn new(component: &str) -> Self {
        DecryptOptions {
            component: component.to_owned(),
            key_name: None,
        }
    }

    /// Decrypts with key `name` whatever the ciphertext names.
    pub fn key_name(mut self, name: &str) -> Self {
        self.key_name = Some(name.to_owned());
        self
    }
}

/// Encrypts `plaintext` in one call.
pub fn encrypt(options: &EncryptOptions, plaintext: &[u8]) -> Result<Vec<u8>> {
    Ok(raw::encrypt(options, plaintext)?)
}

/// Decrypts `ciphertext` in one call.
pub fn decrypt(options: &DecryptOptions, ciphertext: &[u8]) -> Result<Vec<u8>> {
    Ok(raw::decrypt(options, ciphertext)?)
}

/// A message encrypted or decrypted a chunk at a time: [`Stream::write`]
/// every chunk in order, keeping what each returns, then
/// [`Stream::finish`]. Decrypted data is returned only once authenticated.
/// Dropping a stream before finishing abandons it.
pub struct Stream(raw::CryptoStream);

impl Stream {
    /// Starts encrypting.
    pub fn encrypt(options: &EncryptOptions) -> Result<Stream> {
        Ok(Stream(raw::encrypt_stream(options)?))
    }

    /// Starts decrypting.
    pub fn decrypt(options: &DecryptOptions) -> Result<Stream> {
        Ok(Stream(raw::decrypt_stream(options)?))
    }

    /// Feeds the next chunk; returns the output ready so far.
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>> {
        Ok(self.0.write(chunk)?)
    }

    /// Ends the input; returns the rest of the output.
    pub fn finish(self) -> Result<Vec<u8>> {
        Ok(self.0.finish()?)
    }
}
