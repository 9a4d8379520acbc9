//! Topic events through daprd's app-initiated stream
//! (`SubscribeTopicEventsAlpha1`): an app served beside a sidecar without
//! an app port opens one stream per subscription and answers each event on
//! it, so an app that only consumes events needs no port daprd can reach.
//! Events of one stream are delivered one at a time, in the order daprd
//! sends them; a broken stream (daprd restarted) is opened again. The stream
//! has no batches: a bulk subscription gets each event as a batch of one at
//! `on-bulk-topic-event` (serve with an app port for daprd's batches).

use std::sync::Arc;
use std::time::Duration;

use ::dapr::dapr::proto::runtime::v1 as proto;
use anyhow::{Result, anyhow, bail};
use proto::subscribe_topic_events_request_alpha1::SubscribeTopicEventsRequestType as Outgoing;
use proto::subscribe_topic_events_response_alpha1::SubscribeTopicEventsResponseType as Incoming;
use tokio::sync::mpsc;

use super::AppHandle;
use super::app_channel::{cloud_event, topic_event_status};
use crate::backend::sidecar::{Client, Sidecar};
use crate::blocks::pubsub::Subscription;

/// How long to wait before opening a broken stream again.
const REOPEN_AFTER: Duration = Duration::from_secs(1);

/// One open stream: what goes to daprd, what comes from it.
struct Stream {
    answers: mpsc::Sender<proto::SubscribeTopicEventsRequestAlpha1>,
    events: tonic::Streaming<proto::SubscribeTopicEventsResponseAlpha1>,
}

/// Subscribes the app of `handle` to `subscription` through `sidecar`'s
/// stream: opens it (an error if daprd refuses, such as a daprd without
/// streaming subscriptions), then delivers its events on a task of its own
/// until `stopped` resolves.
pub async fn subscribe(
    sidecar: &Sidecar,
    handle: Arc<AppHandle>,
    subscription: Subscription,
    stopped: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let client = sidecar.client();
    let stream = open(client.clone(), &subscription).await?;
    tokio::spawn(async move {
        tokio::select! {
            () = deliver(client, &handle, &subscription, stream) => {}
            () = stopped => {}
        }
    });
    Ok(())
}

/// Opens the stream and waits for daprd's initial answer.
async fn open(mut client: Client, subscription: &Subscription) -> Result<Stream> {
    let (answers, outgoing) = mpsc::channel(16);
    let initial = proto::SubscribeTopicEventsRequestInitialAlpha1 {
        pubsub_name: subscription.pubsub.clone(),
        topic: subscription.topic.clone(),
        metadata: subscription.metadata.iter().cloned().collect(),
        dead_letter_topic: subscription.dead_letter_topic.clone(),
    };
    let first = proto::SubscribeTopicEventsRequestAlpha1 {
        subscribe_topic_events_request_type: Some(Outgoing::InitialRequest(initial)),
    };
    answers
        .send(first)
        .await
        .map_err(|_| anyhow!("the stream closed"))?;
    let what = || {
        format!(
            "daprd refused the streaming subscription to `{}` of `{}`",
            subscription.topic, subscription.pubsub
        )
    };
    let response = client
        .subscribe_topic_events_alpha1(tokio_stream::wrappers::ReceiverStream::new(outgoing))
        .await
        .map_err(|status| anyhow!("{}: {}", what(), status.message()))?;
    let mut events = response.into_inner();
    match events.message().await {
        Ok(Some(proto::SubscribeTopicEventsResponseAlpha1 {
            subscribe_topic_events_response_type: Some(Incoming::InitialResponse(_)),
        })) => Ok(Stream { answers, events }),
        Ok(other) => bail!("{}: unexpected first answer {other:?}", what()),
        Err(status) => bail!("{}: {}", what(), status.message()),
    }
}

/// Delivers the events of `stream` to the app and answers each; when the
/// stream breaks, opens it again (every [`REOPEN_AFTER`]) and goes on.
async fn deliver(
    client: Client,
    handle: &AppHandle,
    subscription: &Subscription,
    mut stream: Stream,
) {
    loop {
        let ended = loop {
            let event = match stream.events.message().await {
                Ok(Some(proto::SubscribeTopicEventsResponseAlpha1 {
                    subscribe_topic_events_response_type: Some(Incoming::EventMessage(event)),
                })) => event,
                Ok(Some(_)) => continue,
                Ok(None) => break "daprd closed it".to_string(),
                Err(status) => break status.message().to_string(),
            };
            let id = event.id.clone();
            let status = match handle.app() {
                Ok(app) => {
                    let mut event = cloud_event(event);
                    if let Some(route) = &subscription.route {
                        event.path = route.clone();
                    }
                    let outcome = if subscription.bulk.is_some() {
                        app.on_bulk_topic_event(vec![event])
                            .await
                            .and_then(|statuses| {
                                statuses
                                    .into_iter()
                                    .next()
                                    .ok_or_else(|| anyhow!("no status"))
                            })
                    } else {
                        app.on_topic_event(event).await
                    };
                    topic_event_status(app.id(), outcome)
                }
                Err(err) => topic_event_status(handle.id(), Err(err)),
            };
            let answer = proto::SubscribeTopicEventsRequestAlpha1 {
                subscribe_topic_events_request_type: Some(Outgoing::EventProcessed(
                    proto::SubscribeTopicEventsRequestProcessedAlpha1 {
                        id,
                        status: Some(proto::TopicEventResponse {
                            status: status as i32,
                        }),
                    },
                )),
            };
            if stream.answers.send(answer).await.is_err() {
                break "it closed before the answer".to_string();
            }
        };
        tracing::warn!(
            app = handle.id(),
            "the event stream of `{}` of `{}` broke ({ended}); opening it again",
            subscription.topic,
            subscription.pubsub
        );
        stream = loop {
            tokio::time::sleep(REOPEN_AFTER).await;
            match open(client.clone(), subscription).await {
                Ok(stream) => break stream,
                Err(err) => tracing::debug!(app = handle.id(), "{err:#}"),
            }
        };
    }
}
