//! Cryptography through daprd: `EncryptAlpha1` and `DecryptAlpha1`, each a
//! bidirectional stream. The first request carries the options, the next
//! ones the input in numbered chunks; daprd answers with the output in
//! numbered chunks as it goes. A background task reads the answers, so a
//! `write` returns whatever output has arrived and never waits for daprd to
//! catch up beyond the bounded queue of requests.

use std::future::Future;
use std::sync::Arc;

use ::dapr::dapr::proto::common::v1::StreamPayload;
use ::dapr::dapr::proto::runtime::v1 as proto;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::CryptoBlock;
use super::backend::*;
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status};
use crate::blocks::SidecarComponent;
use crate::wit::Error;

/// The most input bytes one request carries.
const CHUNK_SIZE: usize = 64 << 10;

/// How many requests may wait for daprd.
const QUEUED_REQUESTS: usize = 8;

/// One cryptography component of the sidecar.
pub struct SidecarCrypto {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<CryptoBlock> for SidecarCrypto {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn Crypto> {
        Arc::new(SidecarCrypto {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl Crypto for SidecarCrypto {
    async fn encrypt(&self, options: EncryptOptions) -> BackendResult<Box<dyn CryptoStream>> {
        let first = proto::EncryptRequest {
            options: Some(proto::EncryptRequestOptions {
                component_name: self.name.clone(),
                key_name: options.key_name,
                key_wrap_algorithm: options.key_wrap_algorithm,
                data_encryption_cipher: match options.data_encryption_cipher {
                    None => String::new(),
                    Some(DataCipher::AesGcm) => "aes-gcm".into(),
                    Some(DataCipher::Chacha20Poly1305) => "chacha20-poly1305".into(),
                },
                omit_decryption_key_name: options.omit_decryption_key_name,
                decryption_key_name: options.decryption_key_name.unwrap_or_default(),
            }),
            payload: None,
        };
        let mut client = self.sidecar.client();
        Ok(Box::new(SidecarStream::start(
            first,
            |payload| proto::EncryptRequest {
                options: None,
                payload: Some(payload),
            },
            move |requests| async move { client.encrypt_alpha1(requests).await },
            |response: proto::EncryptResponse| response.payload,
        )))
    }

    async fn decrypt(&self, options: DecryptOptions) -> BackendResult<Box<dyn CryptoStream>> {
        let first = proto::DecryptRequest {
            options: Some(proto::DecryptRequestOptions {
                component_name: self.name.clone(),
                key_name: options.key_name.unwrap_or_default(),
            }),
            payload: None,
        };
        let mut client = self.sidecar.client();
        Ok(Box::new(SidecarStream::start(
            first,
            |payload| proto::DecryptRequest {
                options: None,
                payload: Some(payload),
            },
            move |requests| async move { client.decrypt_alpha1(requests).await },
            |response: proto::DecryptResponse| response.payload,
        )))
    }
}

/// One `EncryptAlpha1` or `DecryptAlpha1` call in progress.
struct SidecarStream<Req> {
    /// Where the input goes; `None` once finished.
    requests: Option<mpsc::Sender<Req>>,
    /// Makes the request carrying one chunk.
    request_of: fn(StreamPayload) -> Req,
    /// The output daprd sent, then its error if it failed.
    output: mpsc::UnboundedReceiver<Result<Vec<u8>, Error>>,
    /// The number of the next chunk.
    seq: u64,
}

impl<Req: Send + 'static> SidecarStream<Req> {
    /// Opens the call with `first` (the options) and starts reading its
    /// answers.
    fn start<Resp, Call, Fut>(
        first: Req,
        request_of: fn(StreamPayload) -> Req,
        call: Call,
        payload_of: fn(Resp) -> Option<StreamPayload>,
    ) -> SidecarStream<Req>
    where
        Resp: Send + 'static,
        Call: FnOnce(ReceiverStream<Req>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<tonic::Response<tonic::Streaming<Resp>>, tonic::Status>> + Send,
    {
        let (requests, receiver) = mpsc::channel(QUEUED_REQUESTS);
        let (sender, output) = mpsc::unbounded_channel();
        requests
            .try_send(first)
            .expect("a new channel has room for the first request");
        tokio::spawn(async move {
            let mut answers = match call(ReceiverStream::new(receiver)).await {
                Ok(response) => response.into_inner(),
                Err(status) => {
                    let _ = sender.send(Err(error_from_status(status)));
                    return;
                }
            };
            loop {
                match answers.message().await {
                    Ok(Some(answer)) => {
                        if let Some(payload) = payload_of(answer)
                            && sender.send(Ok(payload.data)).is_err()
                        {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(status) => {
                        let _ = sender.send(Err(error_from_status(status)));
                        return;
                    }
                }
            }
        });
        SidecarStream {
            requests: Some(requests),
            request_of,
            output,
            seq: 0,
        }
    }

    /// The output that has arrived, or daprd's error.
    fn arrived(&mut self) -> BackendResult<Vec<u8>> {
        let mut out = Vec::new();
        while let Ok(next) = self.output.try_recv() {
            out.extend(next?);
        }
        Ok(out)
    }

    /// The rest of the output, once daprd has sent it all.
    async fn rest(&mut self) -> BackendResult<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(next) = self.output.recv().await {
            out.extend(next?);
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl<Req: Send + 'static> CryptoStream for SidecarStream<Req> {
    async fn write(&mut self, chunk: Vec<u8>) -> BackendResult<Vec<u8>> {
        let requests = self
            .requests
            .clone()
            .ok_or_else(|| Error::InvalidArgument("the stream has finished".into()))?;
        for piece in chunk.chunks(CHUNK_SIZE) {
            let request = (self.request_of)(StreamPayload {
                data: piece.to_vec(),
                seq: self.seq,
            });
            self.seq += 1;
            if requests.send(request).await.is_err() {
                // The call ended: its error, if any, is in `output`.
                self.requests = None;
                self.rest().await?;
                return Err(Error::Internal(
                    "the Dapr sidecar ended the crypto stream before its input did".into(),
                ));
            }
        }
        self.arrived()
    }

    async fn finish(&mut self) -> BackendResult<Vec<u8>> {
        // Closing the request stream tells daprd the input is complete.
        self.requests = None;
        self.rest().await
    }
}
