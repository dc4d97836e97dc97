//! [`KeyCache`]: where fetched keys are kept, and [`MemoryKeyCache`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{PoisonError, RwLock};

use matrix_api_core::ServerName;
use matrix_event_format::KeySet;

/// A server's keys as fetched and verified from its key document.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerKeySet {
    /// The current keys (`verify_keys`), each with the `valid_until_ts` it may be used until
    /// (the document's, capped at [`MAX_KEY_VALIDITY`](super::MAX_KEY_VALIDITY) after the
    /// fetch), and the old keys (`old_verify_keys`), each valid until its `expired_ts`.
    pub keys: KeySet,
    /// Until when the document may be used without fetching it again (milliseconds).
    pub valid_until_ts: u64,
    /// When it was fetched (milliseconds).
    pub fetched_at: u64,
}

/// Where a [`FetchingKeyStore`](super::FetchingKeyStore) keeps the keys it fetched: a map in
/// memory ([`MemoryKeyCache`]) or a database.
pub trait KeyCache: Send + Sync + 'static {
    /// The keys kept for `server`, if any.
    fn get(&self, server: &ServerName) -> impl Future<Output = Option<ServerKeySet>> + Send;
    /// Keeps `keys` for `server`, replacing what was kept.
    fn put(&self, server: &ServerName, keys: ServerKeySet) -> impl Future<Output = ()> + Send;
}

/// Keys kept in memory, for as long as the process runs.
#[derive(Debug, Default)]
pub struct MemoryKeyCache {
    servers: RwLock<HashMap<ServerName, ServerKeySet>>,
}

impl MemoryKeyCache {
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyCache for MemoryKeyCache {
    async fn get(&self, server: &ServerName) -> Option<ServerKeySet> {
        self.servers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(server)
            .cloned()
    }

    async fn put(&self, server: &ServerName, keys: ServerKeySet) {
        self.servers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(server.clone(), keys);
    }
}
