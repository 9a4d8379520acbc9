//! The cryptography traits.

use crate::backend::BackendResult;
pub use crate::wit::dapr::runtime::crypto::{DataCipher, DecryptOptions, EncryptOptions};

/// One cryptography component: it starts encryptions and decryptions in
/// Dapr's `dapr.io/enc/v1` format with the keys it holds.
#[async_trait::async_trait]
pub trait Crypto: Send + Sync {
    /// Starts encrypting with `options`, already checked (see
    /// [`super::encrypt_params`]).
    async fn encrypt(&self, options: EncryptOptions) -> BackendResult<Box<dyn CryptoStream>>;

    /// Starts decrypting with `options`.
    async fn decrypt(&self, options: DecryptOptions) -> BackendResult<Box<dyn CryptoStream>>;
}

/// One message being encrypted or decrypted.
#[async_trait::async_trait]
pub trait CryptoStream: Send {
    /// Takes the next chunk of input; returns the output ready so far.
    async fn write(&mut self, chunk: Vec<u8>) -> BackendResult<Vec<u8>>;

    /// Ends the input; returns the rest of the output. Called once.
    async fn finish(&mut self) -> BackendResult<Vec<u8>>;
}
