//! `crypto.dapr.localstorage`: keys in files of a local folder, as Dapr's
//! component of that type reads them. Metadata: `path` (required), the
//! folder; a key's name is its file name there (`..` is refused). Each use
//! reads the file afresh, so keys can be added or rotated without a restart.
//! Files ending `.json` are JWKs, `.pem` PEM blocks; others are recognised by
//! their content (see [`super::keys`]).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::CryptoBlock;
use super::backend::*;
use super::keys::Key;
use super::scheme::{Decryptor, Encryptor, KeyWrap, KeyWrapper};
use crate::backend::BackendResult;
use crate::backend::embedded::{ComponentMetadata, required_metadata};
use crate::blocks::EmbeddedComponent;
use crate::wit::Error;

/// One `crypto.dapr.localstorage` component.
pub struct LocalStorageCrypto {
    folder: Arc<KeyFolder>,
}

/// The folder the keys are in.
struct KeyFolder {
    path: PathBuf,
}

impl KeyFolder {
    /// Reads key `name`.
    fn key(&self, name: &str) -> Result<Key, Error> {
        if name.contains("..") {
            return Err(Error::InvalidArgument(
                "invalid key path: cannot contain '..'".into(),
            ));
        }
        let path = self.path.join(name);
        let data = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(format!(
                "failed to load key '{name}': no such file in {}",
                self.path.display()
            )),
            _ => Error::Internal(format!("failed to load key '{name}': {e}")),
        })?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        Key::parse(&data, extension.as_deref())
            .map_err(|e| Error::InvalidArgument(format!("failed to parse key '{name}': {e}")))
    }
}

impl KeyWrapper for KeyFolder {
    fn wrap(&self, file_key: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
        self.key(key_name)?.wrap(file_key, algorithm)
    }

    fn unwrap(&self, wrapped: &[u8], algorithm: KeyWrap, key_name: &str) -> Result<Vec<u8>, Error> {
        self.key(key_name)?.unwrap(wrapped, algorithm)
    }
}

impl EmbeddedComponent<CryptoBlock> for LocalStorageCrypto {
    const TYPE: &'static str = "crypto.dapr.localstorage";

    /// The component from its metadata: `path`, an existing folder.
    fn from_metadata(name: &str, metadata: &ComponentMetadata) -> Result<Arc<Self>> {
        let path = PathBuf::from(required_metadata(metadata, "path")?);
        let info = std::fs::metadata(&path)
            .with_context(|| format!("crypto component `{name}`: cannot read path {path:?}"))?;
        if !info.is_dir() {
            bail!("crypto component `{name}`: path {path:?} is not a folder");
        }
        Ok(Arc::new(LocalStorageCrypto {
            folder: Arc::new(KeyFolder { path }),
        }))
    }

    /// Every app shares it.
    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn Crypto> {
        self.clone()
    }
}

#[async_trait::async_trait]
impl Crypto for LocalStorageCrypto {
    async fn encrypt(&self, options: EncryptOptions) -> BackendResult<Box<dyn CryptoStream>> {
        let params = super::encrypt_params(&options)?;
        let encryptor = Encryptor::new(self.folder.as_ref(), params)?;
        Ok(Box::new(LocalEncryption(encryptor)))
    }

    async fn decrypt(&self, options: DecryptOptions) -> BackendResult<Box<dyn CryptoStream>> {
        let wrapper = Box::new(self.folder.clone());
        Ok(Box::new(LocalDecryption(Decryptor::new(
            wrapper,
            options.key_name,
        ))))
    }
}

struct LocalEncryption(Encryptor);

#[async_trait::async_trait]
impl CryptoStream for LocalEncryption {
    async fn write(&mut self, chunk: Vec<u8>) -> BackendResult<Vec<u8>> {
        self.0.write(&chunk)
    }

    async fn finish(&mut self) -> BackendResult<Vec<u8>> {
        self.0.finish()
    }
}

struct LocalDecryption(Decryptor);

#[async_trait::async_trait]
impl CryptoStream for LocalDecryption {
    async fn write(&mut self, chunk: Vec<u8>) -> BackendResult<Vec<u8>> {
        self.0.write(&chunk)
    }

    async fn finish(&mut self) -> BackendResult<Vec<u8>> {
        self.0.finish()
    }
}
