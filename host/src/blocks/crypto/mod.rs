//! The cryptography block (`dapr:runtime/crypto`): encryption and decryption
//! with keys a component holds, in Dapr's `dapr.io/enc/v1` format (Dapr's
//! Cryptography API, alpha1), in one call or as a stream of chunks.

mod backend;
mod keys;
pub mod localstorage;
pub mod scheme;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarCrypto;

use wasmtime::component::Resource;

use super::{DaprCtx, non_empty, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::crypto::{Host, HostCryptoStream};
use scheme::{EncryptParams, KeyWrap};

component_block! {
    /// The cryptography block: `get::<CryptoBlock>(name)` finds one of an app's cryptography components.
    CryptoBlock: dyn Crypto = ("crypto", "cryptography component", "crypto"),
    embedded [localstorage::LocalStorageCrypto], sidecar SidecarCrypto
}

/// A guest's `crypto-stream`: one encryption or decryption in progress.
pub struct OpenStream {
    /// The component, for the spans and metrics of each call.
    component: String,
    /// `None` once finished or failed.
    stream: Option<Box<dyn CryptoStream>>,
}

/// Checks encryption options the same way for every backend (Dapr's
/// checks) and returns what the scheme needs: the algorithm resolved (the
/// scheme knows five, whatever the component) and the key name the
/// ciphertext records.
pub fn encrypt_params(options: &EncryptOptions) -> Result<EncryptParams<'_>, Error> {
    non_empty("the component name", &options.component)?;
    non_empty("the key name", &options.key_name)?;
    non_empty("the key wrap algorithm", &options.key_wrap_algorithm)?;
    let recorded_key_name = if options.omit_decryption_key_name {
        ""
    } else {
        options
            .decryption_key_name
            .as_deref()
            .filter(|name| !name.is_empty())
            .unwrap_or(&options.key_name)
    };
    Ok(EncryptParams {
        key_name: &options.key_name,
        key_wrap: KeyWrap::parse(&options.key_wrap_algorithm)?,
        cipher: options.data_encryption_cipher.unwrap_or(DataCipher::AesGcm),
        recorded_key_name,
    })
}

impl DaprCtx {
    async fn start_encrypt(&self, options: EncryptOptions) -> Result<OpenStream, Error> {
        encrypt_params(&options)?;
        let component = options.component.clone();
        let stream = self
            .app
            .get::<CryptoBlock>(&component)?
            .encrypt(options)
            .await?;
        Ok(OpenStream {
            component,
            stream: Some(stream),
        })
    }

    async fn start_decrypt(&self, options: DecryptOptions) -> Result<OpenStream, Error> {
        non_empty("the component name", &options.component)?;
        let component = options.component.clone();
        let stream = self
            .app
            .get::<CryptoBlock>(&component)?
            .decrypt(options)
            .await?;
        Ok(OpenStream {
            component,
            stream: Some(stream),
        })
    }

    /// Runs a whole message through `open` in one call.
    async fn whole(&self, what: &str, open: OpenStream, input: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.within_body_limit(what, input.len())?;
        let mut stream = open.stream.expect("a new stream is open");
        let mut output = stream.write(input).await?;
        output.extend(stream.finish().await?);
        Ok(output)
    }

    fn open_stream(&mut self, handle: &Resource<OpenStream>) -> Result<&mut OpenStream, Error> {
        self.resources()
            .get_mut(handle)
            .map_err(|e| Error::InvalidArgument(format!("not a crypto stream: {e}")))
    }
}

impl Host for DaprCtx {
    async fn encrypt(
        &mut self,
        options: EncryptOptions,
        plaintext: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        let component = options.component.clone();
        observed(&self.app, "crypto", "encrypt", &component, async {
            let open = self.start_encrypt(options).await?;
            self.whole("the plaintext", open, plaintext).await
        })
        .await
    }

    async fn decrypt(
        &mut self,
        options: DecryptOptions,
        ciphertext: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        let component = options.component.clone();
        observed(&self.app, "crypto", "decrypt", &component, async {
            let open = self.start_decrypt(options).await?;
            self.whole("the ciphertext", open, ciphertext).await
        })
        .await
    }

    async fn encrypt_stream(
        &mut self,
        options: EncryptOptions,
    ) -> Result<Resource<OpenStream>, Error> {
        let component = options.component.clone();
        let open = observed(
            &self.app,
            "crypto",
            "encrypt-stream",
            &component,
            self.start_encrypt(options),
        )
        .await?;
        self.resources().push(open).map_err(Error::internal)
    }

    async fn decrypt_stream(
        &mut self,
        options: DecryptOptions,
    ) -> Result<Resource<OpenStream>, Error> {
        let component = options.component.clone();
        let open = observed(
            &self.app,
            "crypto",
            "decrypt-stream",
            &component,
            self.start_decrypt(options),
        )
        .await?;
        self.resources().push(open).map_err(Error::internal)
    }
}

impl HostCryptoStream for DaprCtx {
    async fn write(
        &mut self,
        handle: Resource<OpenStream>,
        chunk: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        self.within_body_limit("a stream chunk", chunk.len())?;
        let app = self.app.clone();
        let open = self.open_stream(&handle)?;
        let component = open.component.clone();
        observed(&app, "crypto", "stream-write", &component, async {
            let stream = open.stream.as_mut().ok_or_else(finished)?;
            let result = stream.write(chunk).await;
            if result.is_err() {
                open.stream = None;
            }
            result
        })
        .await
    }

    async fn finish(&mut self, handle: Resource<OpenStream>) -> Result<Vec<u8>, Error> {
        let app = self.app.clone();
        let open = self.open_stream(&handle)?;
        let component = open.component.clone();
        observed(&app, "crypto", "stream-finish", &component, async {
            let mut stream = open.stream.take().ok_or_else(finished)?;
            stream.finish().await
        })
        .await
    }

    async fn drop(&mut self, handle: Resource<OpenStream>) -> wasmtime::Result<()> {
        self.resources().delete(handle)?;
        Ok(())
    }
}

fn finished() -> Error {
    Error::InvalidArgument("the crypto stream has already finished or failed".into())
}
