//! Actor traffic through daprd's app-initiated stream
//! (`SubscribeActorEventsAlpha1`): the host registers the actor types of
//! its apps (with their idle timeouts) and daprd sends every call,
//! reminder, timer and deactivation of those actors down the stream; each
//! is served by [`HostedActors`], as embedded traffic is (turns, one
//! instance per activation, limits), and answered with the request's id.
//! Requests are served concurrently (turns of one actor still queue), so a
//! turn that calls another actor of this host through daprd is not held up
//! by its own stream. No app port is needed. A broken stream (daprd
//! restarted) is opened again with backoff; the actors active until then
//! are deactivated first, since daprd may have placed them elsewhere.
//!
//! A reminder the actor cancels is unregistered through daprd's API as
//! well as answered with `cancel`, since daprd 1.18's scheduler takes that
//! answer as a success and fires the reminder again.
//!
//! The actor's own failure is answered as `request_failed` rather than an
//! `invoke_response` marked `error`: daprd hands an `error` response to a
//! gRPC caller as a successful answer carrying the payload, while a failed
//! request reaches every caller as a failure with the actor's message
//! (which the sidecar actors client turns back into `internal`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::backend::sidecar::Sidecar;
use crate::backend::sidecar::actor_events::{self as wire, Incoming, Outgoing};
use crate::blocks::actors::sidecar::{
    CALL_CHAIN_METADATA, SidecarActors, data_from_daprd, reminder_data_from_daprd,
};
use crate::blocks::actors::table::HostedTypes;
use crate::blocks::actors::{
    ActorClient, ActorRef, CallChain, HostedActors, ReminderOutcome, described,
};
use crate::wit::Error;

/// The first wait before opening a broken stream again; it doubles up to
/// [`REOPEN_AT_MOST`].
const REOPEN_AFTER: Duration = Duration::from_millis(500);

/// The longest wait between two attempts to open the stream.
const REOPEN_AT_MOST: Duration = Duration::from_secs(10);

/// How long daprd may take to accept the registration.
const OPEN_WITHIN: Duration = Duration::from_secs(30);

/// How many answers may wait to be sent to daprd.
const QUEUED_ANSWERS: usize = 64;

/// One open stream: what goes to daprd, what comes from it.
struct Stream {
    answers: mpsc::Sender<wire::Request>,
    requests: tonic::Streaming<wire::Response>,
}

/// Registers the actor types of `actors` with daprd through `sidecar`'s
/// actor stream (an error if daprd refuses, such as a daprd without a
/// placement service), then serves its requests on a task of its own until
/// `stopped` resolves.
pub async fn serve(
    sidecar: &Sidecar,
    actors: Arc<SidecarActors>,
    stopped: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let stream = tokio::time::timeout(OPEN_WITHIN, open(sidecar, actors.hosted()))
        .await
        .map_err(|_| {
            anyhow!(
                "daprd did not accept the actor types within {OPEN_WITHIN:?} (does it run with --placement-host-address?)"
            )
        })??;
    let sidecar = sidecar.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = deliver(&sidecar, &actors, stream) => {}
            () = stopped => {}
        }
    });
    Ok(())
}

/// The registration: every hosted type, each with its idle timeout.
fn initial(hosted: &HostedTypes) -> wire::Initial {
    let timeouts: Vec<(String, Duration)> = hosted
        .all()
        .iter()
        .flat_map(|actors| actors.idle_timeouts())
        .collect();
    wire::Initial {
        entities: timeouts.iter().map(|(name, _)| name.clone()).collect(),
        actor_idle_timeout: None,
        entities_config: timeouts
            .into_iter()
            .map(|(name, idle)| wire::EntityConfig {
                entities: vec![name],
                actor_idle_timeout: Some(prost_types::Duration {
                    seconds: idle.as_secs() as i64,
                    nanos: idle.subsec_nanos() as i32,
                }),
            })
            .collect(),
    }
}

/// Opens the stream and waits for daprd's acknowledgement.
async fn open(sidecar: &Sidecar, hosted: &HostedTypes) -> Result<Stream> {
    let (answers, outgoing) = mpsc::channel(QUEUED_ANSWERS);
    let first = wire::Request {
        request_type: Some(Outgoing::Initial(initial(hosted))),
    };
    answers
        .send(first)
        .await
        .map_err(|_| anyhow!("the stream closed"))?;
    let what = "daprd refused to host the actor types through its actor stream";
    let mut requests = wire::subscribe(sidecar, ReceiverStream::new(outgoing))
        .await
        .map_err(|status| anyhow!("{what}: {}", status.message()))?;
    match requests.message().await {
        Ok(Some(wire::Response {
            response_type: Some(Incoming::Initial(_)),
        })) => Ok(Stream { answers, requests }),
        Ok(other) => bail!("{what}: unexpected first answer {other:?}"),
        Err(status) => bail!("{what}: {}", status.message()),
    }
}

/// Serves the requests of `stream`, each on a task of its own; when the
/// stream breaks, deactivates the local actors and opens it again.
async fn deliver(sidecar: &Sidecar, actors: &Arc<SidecarActors>, mut stream: Stream) {
    loop {
        let ended = loop {
            let request = match stream.requests.message().await {
                Ok(Some(wire::Response {
                    response_type: Some(request),
                })) => request,
                Ok(Some(_)) => continue,
                Ok(None) => break "daprd closed it".to_string(),
                Err(status) => break status.message().to_string(),
            };
            let (actors, answers) = (actors.clone(), stream.answers.clone());
            tokio::spawn(async move {
                if let Some(answer) = answer(&actors, request).await {
                    let _ = answers
                        .send(wire::Request {
                            request_type: Some(answer),
                        })
                        .await;
                }
            });
        };
        tracing::warn!("the actor stream broke ({ended}); opening it again");
        for hosted in actors.hosted().all() {
            hosted.deactivate_all().await;
        }
        let mut wait = REOPEN_AFTER;
        stream = loop {
            tokio::time::sleep(wait).await;
            match open(sidecar, actors.hosted()).await {
                Ok(stream) => break stream,
                Err(err) => tracing::debug!("{err:#}"),
            }
            wait = (wait * 2).min(REOPEN_AT_MOST);
        };
        tracing::info!("the actor stream is open again");
    }
}

/// The gRPC status code daprd gets for a failed request: `NotFound` (an
/// actor type this host does not serve) is permanent to daprd.
fn code_of(error: &Error) -> tonic::Code {
    match error {
        Error::NotFound(_) => tonic::Code::NotFound,
        Error::Denied(_) => tonic::Code::PermissionDenied,
        Error::EtagMismatch(_) => tonic::Code::Aborted,
        Error::InvalidArgument(_) => tonic::Code::InvalidArgument,
        Error::Unavailable(_) => tonic::Code::Unavailable,
        Error::Unsupported(_) => tonic::Code::Unimplemented,
        Error::Internal(_) => tonic::Code::Internal,
    }
}

/// The answer to request `id` that failed with `error` (its message alone,
/// so the caller gets exactly the actor's message).
fn failed(id: String, error: Error) -> Outgoing {
    let code = code_of(&error) as u32;
    let message = match error {
        Error::NotFound(m)
        | Error::Denied(m)
        | Error::EtagMismatch(m)
        | Error::InvalidArgument(m)
        | Error::Unavailable(m)
        | Error::Unsupported(m)
        | Error::Internal(m) => m,
    };
    Outgoing::Failed(wire::Failed { id, code, message })
}

/// The hosted actors of `actor_type`, or `not-found`.
fn hosting(hosted: &HostedTypes, actor_type: &str) -> Result<Arc<HostedActors>, Error> {
    hosted.get(actor_type).ok_or_else(|| {
        Error::NotFound(format!(
            "no app hosts actor type `{actor_type}` here (this host's apps host {})",
            hosted.names().join(", ")
        ))
    })
}

/// A reminder's or timer's turn as daprd's answer: `cancel` if the actor
/// said so.
fn reminded(
    id: String,
    outcome: Result<Result<ReminderOutcome, String>, Error>,
    answer: fn(wire::ReminderResponse) -> Outgoing,
) -> Outgoing {
    match outcome {
        Ok(Ok(outcome)) => answer(wire::ReminderResponse {
            id,
            cancel: outcome == ReminderOutcome::Cancel,
        }),
        Ok(Err(message)) => failed(id, Error::Internal(message)),
        Err(error) => failed(id, error),
    }
}

/// Serves one request from daprd; `None` for one that needs no answer.
async fn answer(actors: &SidecarActors, request: Incoming) -> Option<Outgoing> {
    let hosted = actors.hosted();
    let actor = |actor_type: &str, id: &str| ActorRef {
        actor_type: actor_type.to_string(),
        id: id.to_string(),
    };
    Some(match request {
        Incoming::Initial(_) => return None,
        Incoming::Invoke(r) => {
            let chain = r
                .metadata
                .get(CALL_CHAIN_METADATA)
                .map(|line| CallChain::decode(line))
                .unwrap_or_default();
            let target = actor(&r.actor_type, &r.actor_id);
            let answer = match hosting(hosted, &r.actor_type) {
                Ok(actors) => actors.invoke(&target, &r.method, r.data, &chain).await,
                Err(error) => Err(error),
            };
            match answer {
                Ok(data) => Outgoing::Invoke(wire::InvokeResponse {
                    id: r.id,
                    data,
                    ..Default::default()
                }),
                Err(error) => failed(r.id, error),
            }
        }
        Incoming::Reminder(r) => {
            let target = actor(&r.actor_type, &r.actor_id);
            let outcome = match hosting(hosted, &r.actor_type) {
                Ok(hosting) => {
                    let data = reminder_data_from_daprd(r.data);
                    hosting.remind(&target, &r.name, data).await
                }
                Err(error) => Err(error),
            };
            if let Ok(Ok(ReminderOutcome::Cancel)) = outcome {
                // daprd 1.18's scheduler takes `cancel` as a success and
                // keeps the reminder: unregister it here.
                if let Err(err) = actors.unregister_reminder(&target, &r.name).await {
                    tracing::warn!(
                        actor = %described(&target), reminder = %r.name,
                        "cannot unregister the cancelled reminder: {}", err.describe()
                    );
                }
            }
            reminded(r.id, outcome, Outgoing::Reminder)
        }
        Incoming::Timer(r) => {
            let target = actor(&r.actor_type, &r.actor_id);
            let callback = Some(r.callback.as_str()).filter(|c| !c.is_empty());
            let outcome = match hosting(hosted, &r.actor_type) {
                Ok(actors) => actors
                    .fire_timer(&target, &r.name, callback, data_from_daprd(r.data))
                    .await
                    .map(|done| done.map(|()| ReminderOutcome::Keep)),
                Err(error) => Err(error),
            };
            reminded(r.id, outcome, Outgoing::Timer)
        }
        Incoming::Deactivate(r) => {
            if let Some(actors) = hosted.get(&r.actor_type) {
                let target = actor(&r.actor_type, &r.actor_id);
                if actors.deactivate(&target).await {
                    tracing::debug!(app = actors.app_id(), actor = %described(&target), "deactivated by daprd");
                }
            }
            Outgoing::Deactivate(wire::DeactivateResponse { id: r.id })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_request_carries_the_message_alone_and_its_code() {
        let Outgoing::Failed(f) = failed("7".into(), Error::Internal("boom".into())) else {
            panic!("not a failure");
        };
        assert_eq!(
            (f.id.as_str(), f.code, f.message.as_str()),
            ("7", 13, "boom")
        );
        let Outgoing::Failed(f) = failed("8".into(), Error::NotFound("x".into())) else {
            panic!("not a failure");
        };
        assert_eq!(f.code, tonic::Code::NotFound as u32);
    }

    #[test]
    fn a_reminder_that_cancels_itself_answers_cancel() {
        let answer = reminded(
            "1".into(),
            Ok(Ok(ReminderOutcome::Cancel)),
            Outgoing::Reminder,
        );
        assert_eq!(
            answer,
            Outgoing::Reminder(wire::ReminderResponse {
                id: "1".into(),
                cancel: true
            })
        );
        let answer = reminded("2".into(), Ok(Err("no".into())), Outgoing::Timer);
        assert!(matches!(answer, Outgoing::Failed(f) if f.message == "no"));
    }
}
