//! Delivery of topic events and configuration updates to an app's
//! `handler` export, each in a fresh instance.

use std::sync::{Arc, Weak};

use anyhow::{Result, anyhow};

use crate::backend::bindings::{BindingEvent, BindingSubscriber};
use crate::backend::configuration::{ConfigurationSubscriber, Item};
use crate::backend::pubsub::{CloudEvent, EventStatus, TopicSubscriber};
use crate::runtime::App;

/// Delivers topic events to one app.
pub struct AppTopicSubscriber {
    app: Weak<App>,
}

impl AppTopicSubscriber {
    /// A subscriber for `app` (held weakly: a stopped app receives nothing).
    pub fn new(app: &Arc<App>) -> Arc<Self> {
        Arc::new(AppTopicSubscriber {
            app: Arc::downgrade(app),
        })
    }
}

#[async_trait::async_trait]
impl TopicSubscriber for AppTopicSubscriber {
    async fn deliver(&self, event: CloudEvent) -> Result<EventStatus> {
        let app = self
            .app
            .upgrade()
            .ok_or_else(|| anyhow!("the app has stopped"))?;
        let (topic, id) = (event.topic.clone(), event.id.clone());
        let status = app.on_topic_event(event).await;
        match &status {
            Ok(s) => tracing::debug!(app = app.id(), %topic, %id, status = ?s, "event delivered"),
            Err(err) => {
                tracing::warn!(app = app.id(), %topic, %id, "event handler failed: {}", crate::runtime::failure_message(err))
            }
        }
        status
    }
}

/// Delivers input-binding events to one app.
pub struct AppBindingSubscriber {
    app: Weak<App>,
}

impl AppBindingSubscriber {
    /// A subscriber for `app` (held weakly: a stopped app receives nothing).
    pub fn new(app: &Arc<App>) -> Arc<Self> {
        Arc::new(AppBindingSubscriber {
            app: Arc::downgrade(app),
        })
    }
}

#[async_trait::async_trait]
impl BindingSubscriber for AppBindingSubscriber {
    async fn deliver(&self, event: BindingEvent) -> Result<Result<Vec<u8>, String>> {
        let app = self
            .app
            .upgrade()
            .ok_or_else(|| anyhow!("the app has stopped"))?;
        app.on_binding_event(event).await
    }
}

/// Delivers configuration updates of one store to one app.
pub struct AppConfigurationSubscriber {
    app: Weak<App>,
    store: String,
}

impl AppConfigurationSubscriber {
    /// A subscriber delivering `store`'s updates to `app`.
    pub fn new(app: Weak<App>, store: &str) -> Arc<Self> {
        Arc::new(AppConfigurationSubscriber {
            app,
            store: store.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl ConfigurationSubscriber for AppConfigurationSubscriber {
    async fn update(&self, subscription_id: &str, items: Vec<Item>) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        if let Err(err) = app
            .on_configuration_update(&self.store, subscription_id, items)
            .await
        {
            tracing::warn!(app = app.id(), store = %self.store, "configuration update failed: {}", crate::runtime::failure_message(&err));
        }
    }
}
