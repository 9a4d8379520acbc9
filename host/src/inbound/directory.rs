//! The apps of this host, by id, and the one handle through which every
//! kind of inbound traffic reaches an app: topic events, input-binding
//! events, configuration updates, job triggers, service invocations and
//! actor activations, whether they come from the embedded broker, bindings
//! and actors or from daprd's app channel.
//!
//! The directory exists before any app is loaded: components are wired to
//! handles by app id, and an app becomes reachable when it is added. A call
//! for an app that is not (or no longer) there fails cleanly.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::{Result, anyhow};
use tokio::sync::watch;

use crate::blocks::actors::{ActorInstance, ActorRef, ActorSource};
use crate::blocks::bindings::{BindingEvent, BindingSubscriber};
use crate::blocks::configuration::{ConfigurationSink, ConfigurationSubscriber, Item};
use crate::blocks::invoke::{Invoker, Request, Response};
use crate::blocks::jobs::JobSubscriber;
use crate::blocks::pubsub::{CloudEvent, EventStatus, TopicSubscriber};
use crate::runtime::{App, Overloaded, failure_message};
use crate::wit::Error;

/// The apps of one host, by app id.
pub struct AppDirectory {
    apps: watch::Sender<BTreeMap<String, Arc<App>>>,
}

impl AppDirectory {
    /// An empty directory.
    pub fn new() -> Arc<Self> {
        Arc::new(AppDirectory {
            apps: watch::Sender::new(BTreeMap::new()),
        })
    }

    /// Makes `app` reachable under its id (replacing an app of that id).
    pub fn insert(&self, app: Arc<App>) {
        self.apps.send_modify(|apps| {
            apps.insert(app.id().to_string(), app);
        });
    }

    /// The app `id`, if it is loaded.
    pub fn get(&self, id: &str) -> Option<Arc<App>> {
        self.apps.borrow().get(id).cloned()
    }

    /// Every loaded app, by id.
    pub fn apps(&self) -> BTreeMap<String, Arc<App>> {
        self.apps.borrow().clone()
    }

    /// Removes every app (their handles then deliver nothing).
    pub fn clear(&self) {
        self.apps.send_modify(BTreeMap::clear);
    }

    /// The handle of app `id` (which need not be loaded yet).
    pub fn handle(self: &Arc<Self>, id: &str) -> Arc<AppHandle> {
        Arc::new(AppHandle {
            directory: Arc::downgrade(self),
            id: id.to_string(),
        })
    }

    /// Service invocation between the apps of this directory.
    pub fn invoker(self: &Arc<Self>) -> Arc<dyn Invoker> {
        Arc::new(LocalInvoker {
            directory: Arc::downgrade(self),
        })
    }

    async fn wait_for(&self, id: &str, timeout: Duration) -> Option<Arc<App>> {
        let mut apps = self.apps.subscribe();
        let loaded = apps.wait_for(|apps| apps.contains_key(id));
        match tokio::time::timeout(timeout, loaded).await {
            Ok(Ok(apps)) => apps.get(id).cloned(),
            _ => None,
        }
    }
}

/// One app as inbound traffic sees it, by id.
pub struct AppHandle {
    directory: Weak<AppDirectory>,
    id: String,
}

impl AppHandle {
    /// The app id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The app, if it is loaded.
    pub fn app(&self) -> Result<Arc<App>> {
        self.directory
            .upgrade()
            .and_then(|d| d.get(&self.id))
            .ok_or_else(|| anyhow!("app `{}` is not running in this host", self.id))
    }

    /// The app, waiting at most `timeout` for it to finish loading.
    pub async fn loaded(&self, timeout: Duration) -> Result<Arc<App>> {
        let directory = self
            .directory
            .upgrade()
            .ok_or_else(|| anyhow!("the host has stopped"))?;
        directory
            .wait_for(&self.id, timeout)
            .await
            .ok_or_else(|| anyhow!("app `{}` did not load within {timeout:?}", self.id))
    }

    /// Delivers one service invocation: to the app's `on-invoke` export,
    /// or, for an HTTP-only app, to its HTTP handler at `/{method}`.
    pub async fn invoke(&self, request: Request) -> Result<Response> {
        super::invoke::deliver(&*self.app()?, request).await
    }
}

#[async_trait::async_trait]
impl TopicSubscriber for AppHandle {
    async fn deliver(&self, event: CloudEvent) -> Result<EventStatus> {
        let app = self.app()?;
        let (topic, id) = (event.topic.clone(), event.id.clone());
        let status = app.on_topic_event(event).await;
        match &status {
            Ok(s) => tracing::debug!(app = %self.id, %topic, %id, status = ?s, "event delivered"),
            Err(err) => tracing::warn!(
                app = %self.id, %topic, %id,
                "event handler failed: {}", failure_message(err)
            ),
        }
        status
    }

    async fn deliver_bulk(&self, events: Vec<CloudEvent>) -> Result<Vec<EventStatus>> {
        let app = self.app()?;
        let (topic, count) = (
            events.first().map(|e| e.topic.clone()).unwrap_or_default(),
            events.len(),
        );
        let statuses = app.on_bulk_topic_event(events).await;
        match &statuses {
            Ok(_) => tracing::debug!(app = %self.id, %topic, count, "event batch delivered"),
            Err(err) => tracing::warn!(
                app = %self.id, %topic, count,
                "bulk event handler failed: {}", failure_message(err)
            ),
        }
        statuses
    }
}

#[async_trait::async_trait]
impl BindingSubscriber for AppHandle {
    async fn deliver(&self, event: BindingEvent) -> Result<Result<Vec<u8>, String>> {
        self.app()?.on_binding_event(event).await
    }
}

#[async_trait::async_trait]
impl JobSubscriber for AppHandle {
    async fn deliver(&self, name: &str, data: Vec<u8>) -> Result<Result<(), String>> {
        self.app()?.on_job_event(name, data).await
    }
}

#[async_trait::async_trait]
impl ActorSource for AppHandle {
    async fn activate(
        &self,
        actor: &ActorRef,
        wait: bool,
    ) -> Result<Option<Box<dyn ActorInstance>>, Error> {
        let app = self
            .app()
            .map_err(|err| Error::Unavailable(failure_message(&err)))?;
        app.activate_actor(actor, wait).await
    }
}

impl ConfigurationSink for AppHandle {
    fn subscriber(&self, store: &str) -> Arc<dyn ConfigurationSubscriber> {
        Arc::new(ConfigurationUpdates {
            app: AppHandle {
                directory: self.directory.clone(),
                id: self.id.clone(),
            },
            store: store.to_string(),
        })
    }
}

/// Delivers one configuration store's updates to one app.
struct ConfigurationUpdates {
    app: AppHandle,
    store: String,
}

#[async_trait::async_trait]
impl ConfigurationSubscriber for ConfigurationUpdates {
    async fn update(&self, subscription_id: &str, items: Vec<Item>) {
        let delivered = match self.app.app() {
            Ok(app) => {
                app.on_configuration_update(&self.store, subscription_id, items)
                    .await
            }
            Err(err) => Err(err),
        };
        if let Err(err) = delivered {
            tracing::warn!(
                app = %self.app.id, store = %self.store,
                "configuration update failed: {}", failure_message(&err)
            );
        }
    }
}

/// Routes invocations to the apps of one directory, by app id.
struct LocalInvoker {
    directory: Weak<AppDirectory>,
}

#[async_trait::async_trait]
impl Invoker for LocalInvoker {
    async fn invoke(&self, app_id: &str, request: Request) -> Result<Response, Error> {
        let not_found = || Error::NotFound(format!("no app with id `{app_id}` in this host"));
        let directory = self.directory.upgrade().ok_or_else(not_found)?;
        let app = directory.get(app_id).ok_or_else(not_found)?;
        super::invoke::deliver(&app, request).await.map_err(|err| {
            match err.downcast_ref::<Overloaded>() {
                Some(_) => Error::Unavailable(failure_message(&err)),
                None => Error::Internal(failure_message(&err)),
            }
        })
    }
}
