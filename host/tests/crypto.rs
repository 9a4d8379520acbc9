//! Ciphertexts cross between the embedded `crypto.dapr.localstorage` and a
//! real daprd with the same keys, both ways: Dapr's `dapr.io/enc/v1` format
//! is written and read byte-compatibly by this host.

mod common;

use std::sync::Arc;

use common::dapr::{Daprd, free_port};
use wasmtime_dapr::backend::sidecar::{Sidecar, SidecarOptions};
use wasmtime_dapr::blocks::crypto::localstorage::LocalStorageCrypto;
use wasmtime_dapr::blocks::crypto::{
    Crypto, CryptoBlock, DataCipher, DecryptOptions, EncryptOptions, SidecarCrypto,
};
use wasmtime_dapr::blocks::{EmbeddedComponent, SidecarComponent};
use wasmtime_dapr::wit::Error;

/// The component name on both backends.
const COMPONENT: &str = "localkeys";

/// Runs `input` through a stream `start` opens, in writes of `chunk` bytes.
async fn run(
    stream: Result<Box<dyn wasmtime_dapr::blocks::crypto::CryptoStream>, Error>,
    input: &[u8],
    chunk: usize,
) -> Result<Vec<u8>, Error> {
    let mut stream = stream?;
    let mut output = Vec::new();
    for piece in input.chunks(chunk) {
        output.extend(stream.write(piece.to_vec()).await?);
    }
    output.extend(stream.finish().await?);
    Ok(output)
}

fn encrypt_options(key: &str, algorithm: &str, cipher: DataCipher) -> EncryptOptions {
    EncryptOptions {
        component: COMPONENT.into(),
        key_name: key.into(),
        key_wrap_algorithm: algorithm.into(),
        data_encryption_cipher: Some(cipher),
        omit_decryption_key_name: false,
        decryption_key_name: None,
    }
}

fn decrypt_options(key: Option<&str>) -> DecryptOptions {
    DecryptOptions {
        component: COMPONENT.into(),
        key_name: key.map(str::to_string),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ciphertexts_cross_between_embedded_and_daprd() {
    let keys = common::repo().join("tests/conformance/crypto-keys");
    let manifest = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {COMPONENT}\nspec:\n  type: crypto.dapr.localstorage\n  version: v1\n  metadata:\n  - name: path\n    value: \"{}\"\n",
        keys.display()
    );
    let daprd = tokio::task::block_in_place(|| Daprd::start("crypto", free_port(), &manifest));
    let sidecar = Sidecar::new(&SidecarOptions::at(&daprd.endpoint())).unwrap();
    let embedded: Arc<dyn Crypto> = LocalStorageCrypto::from_metadata(
        COMPONENT,
        &[("path".to_string(), keys.display().to_string())].into(),
    )
    .unwrap()
    .for_app("crypto");
    let through_daprd: Arc<dyn Crypto> =
        <SidecarCrypto as SidecarComponent<CryptoBlock>>::connect(&sidecar, COMPONENT);
    let backends = [("embedded", &embedded), ("daprd", &through_daprd)];

    let large: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let cases: [(&str, &str, DataCipher, &[u8]); 4] = [
        ("aes256", "A256KW", DataCipher::AesGcm, b"attack at dawn"),
        ("aes256.json", "AES", DataCipher::Chacha20Poly1305, &large),
        (
            "rsa-private.pem",
            "RSA-OAEP-256",
            DataCipher::AesGcm,
            &large,
        ),
        ("rsa-pkcs1.pem", "RSA", DataCipher::Chacha20Poly1305, b""),
    ];
    for (maker, encryptor) in backends {
        for (reader, decryptor) in backends {
            for (key, algorithm, cipher, plaintext) in cases {
                let what = format!("{key} {algorithm} {cipher:?}, {maker} -> {reader}");
                let ciphertext = run(
                    encryptor
                        .encrypt(encrypt_options(key, algorithm, cipher))
                        .await,
                    plaintext,
                    70_000,
                )
                .await
                .unwrap_or_else(|e| panic!("{what}: encrypting: {e:?}\n{}", daprd.log()));
                assert!(ciphertext.starts_with(b"dapr.io/enc/v1\n"), "{what}");
                let opened = run(
                    decryptor.decrypt(decrypt_options(None)).await,
                    &ciphertext,
                    4096,
                )
                .await
                .unwrap_or_else(|e| panic!("{what}: decrypting: {e:?}\n{}", daprd.log()));
                assert_eq!(opened, plaintext, "{what}");
                let mut tampered = ciphertext.clone();
                *tampered.last_mut().unwrap() ^= 1;
                let refused = run(
                    decryptor.decrypt(decrypt_options(None)).await,
                    &tampered,
                    4096,
                )
                .await;
                assert!(
                    matches!(refused, Err(Error::InvalidArgument(_))),
                    "{what}: tampered: {refused:?}"
                );
                let wrong = run(
                    decryptor
                        .decrypt(decrypt_options(Some("aes256-other")))
                        .await,
                    &ciphertext,
                    4096,
                )
                .await;
                assert!(
                    matches!(wrong, Err(Error::InvalidArgument(_))),
                    "{what}: wrong key: {wrong:?}"
                );
            }
        }
    }
}
