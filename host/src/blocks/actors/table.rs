//! Which app of this host hosts each actor type: the one table both
//! backends keep, with the rule that an actor type has one hosting app.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::bail;

use super::backend::{ActorSource, ActorType};
use super::hosting::{HostedActors, IdlePolicy};

/// The hosted actor types of this host, by name.
#[derive(Default)]
pub struct HostedTypes(RwLock<HashMap<String, Arc<HostedActors>>>);

impl HostedTypes {
    /// The actors of the app hosting `actor_type`, if one does.
    pub fn get(&self, actor_type: &str) -> Option<Arc<HostedActors>> {
        self.0.read().unwrap().get(actor_type).cloned()
    }

    /// The hosted types' names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.read().unwrap().keys().cloned().collect();
        names.sort();
        names
    }

    /// Every hosting app's actors (each once).
    pub fn all(&self) -> Vec<Arc<HostedActors>> {
        let mut all: Vec<Arc<HostedActors>> = Vec::new();
        for hosted in self.0.read().unwrap().values() {
            if !all.iter().any(|h| Arc::ptr_eq(h, hosted)) {
                all.push(hosted.clone());
            }
        }
        all
    }

    /// Makes app `app_id` the host of `types` (see [`HostedActors::new`]),
    /// calling `started` on its actors before they are listed; refuses an
    /// empty type name and a type another app hosts.
    pub fn add(
        &self,
        app_id: &str,
        types: Vec<ActorType>,
        source: Arc<dyn ActorSource>,
        idle_timeout: Duration,
        idle: IdlePolicy,
        started: impl FnOnce(&Arc<HostedActors>) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<String>> {
        let mut hosted = self.0.write().unwrap();
        for t in &types {
            if t.name.is_empty() {
                bail!("app `{app_id}` names an actor type with an empty name");
            }
            if let Some(other) = hosted.get(&t.name) {
                bail!(
                    "actor type `{}` is hosted by both `{}` and `{app_id}`; an actor type has one hosting app",
                    t.name,
                    other.app_id()
                );
            }
        }
        let actors = HostedActors::new(app_id, &types, source, idle_timeout, idle)?;
        started(&actors)?;
        for name in actors.type_names() {
            hosted.insert(name, actors.clone());
        }
        Ok(actors.type_names())
    }
}
