//! [`FetchingKeyStore`]: other servers' keys, fetched from their key server, checked and cached.

mod cache;
mod document;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use matrix_api_core::{IncomingResponse, ServerName};
use matrix_event_format::{KeySet, json};
use matrix_server::{KeyStore, KeyStoreError};
use matrix_server_server_api::client::ServerServerExt as _;
use matrix_server_server_api::keys::get_server_key;

use crate::connect::Connector;
use crate::time::now_ms;

pub use cache::{KeyCache, MemoryKeyCache, ServerKeySet};
pub use document::KeyResponseError;

/// The longest a fetched key is trusted, whatever its document says: the spec's seven days
/// ("servers MUST use the lesser of this field and 7 days into the future").
pub const MAX_KEY_VALIDITY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The largest key document read (a document lists a few keys; 64 KiB is generous).
const MAX_DOCUMENT_BYTES: usize = 64 << 10;

/// Default shortest time between two fetches of one server's keys.
const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// The keys of other servers, as the runtime (`matrix_server`) and the PDU checks need them:
/// served from the cache while the document is valid and has the key IDs asked for, else
/// fetched from the server's `GET /_matrix/key/v2/server` through the generated key API,
/// checked (it names the server, its keys sign it, its validity is a timestamp, capped at
/// [`MAX_KEY_VALIDITY`]) and cached until its `valid_until_ts`.
///
/// One fetch per server at a time; after a fetch, the next one for that server waits for the
/// refetch interval (10 s by default), so that requests with unknown key IDs or from a server
/// that is down cannot make this server fetch in a loop. When a fetch fails, cached keys are
/// still given (the runtime refuses those past their `valid_until_ts`).
pub struct FetchingKeyStore<C: KeyCache = MemoryKeyCache> {
    connector: Connector,
    cache: C,
    pinned: RwLock<HashMap<ServerName, KeySet>>,
    fetches: Mutex<HashMap<ServerName, Arc<tokio::sync::Mutex<Option<Attempt>>>>>,
    refetch_interval: u64,
    max_validity: u64,
}

/// The last fetch of a server's keys.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    at: u64,
    failed: bool,
}

impl FetchingKeyStore<MemoryKeyCache> {
    /// Fetches through `connector` and caches in memory.
    pub fn new(connector: Connector) -> Self {
        Self::with_cache(connector, MemoryKeyCache::new())
    }
}

impl<C: KeyCache> FetchingKeyStore<C> {
    /// Fetches through `connector` and caches in `cache`.
    pub fn with_cache(connector: Connector, cache: C) -> Self {
        FetchingKeyStore {
            connector,
            cache,
            pinned: RwLock::default(),
            fetches: Mutex::default(),
            refetch_interval: millis(DEFAULT_REFETCH_INTERVAL),
            max_validity: millis(MAX_KEY_VALIDITY),
        }
    }

    /// The shortest time between two fetches of one server's keys.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = millis(interval);
        self
    }

    /// Gives the keys of `server` instead of fetching them (this server's own keys, or a
    /// server whose keys are configured).
    pub fn pin(&self, server: ServerName, keys: KeySet) {
        self.pinned
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(server, keys);
    }

    pub fn cache(&self) -> &C {
        &self.cache
    }

    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    /// The keys of `server` with the IDs `key_ids` (all of its keys if `key_ids` is empty):
    /// pinned, cached or fetched, as the type documents.
    pub async fn keys(
        &self,
        server: &ServerName,
        key_ids: &[&str],
    ) -> Result<KeySet, KeyStoreError> {
        if let Some(keys) = self
            .pinned
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(server)
        {
            return Ok(subset(keys, key_ids));
        }
        let cached = self.cache.get(server).await;
        if let Some(set) = &cached {
            if is_usable(set, key_ids, now_ms()) {
                return Ok(subset(&set.keys, key_ids));
            }
        }
        let slot = Arc::clone(
            self.fetches
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(server.clone())
                .or_default(),
        );
        let mut last = slot.lock().await;
        // Another task may have fetched while this one waited.
        let cached = match last.is_some() {
            true => self.cache.get(server).await,
            false => cached,
        };
        let now = now_ms();
        if let Some(set) = &cached {
            if is_usable(set, key_ids, now) {
                return Ok(subset(&set.keys, key_ids));
            }
        }
        if let Some(attempt) = *last {
            if now.saturating_sub(attempt.at) < self.refetch_interval {
                return match cached {
                    Some(set) => Ok(subset(&set.keys, key_ids)),
                    None => Err(KeyStoreError::Unavailable {
                        origin: server.clone(),
                        source: "its key server failed moments ago".into(),
                    }),
                };
            }
        }
        let fetched = self.fetch_now(server).await;
        *last = Some(Attempt {
            at: now,
            failed: fetched.is_err(),
        });
        match (fetched, cached) {
            (Ok(set), _) => {
                let keys = subset(&set.keys, key_ids);
                self.cache.put(server, set).await;
                Ok(keys)
            }
            (Err(error), Some(set)) => {
                tracing::warn!(%server, %error, "key fetch failed; using cached keys");
                Ok(subset(&set.keys, key_ids))
            }
            (Err(error), None) => Err(error),
        }
    }

    /// Whether the last fetch of `server`'s keys failed.
    pub async fn last_fetch_failed(&self, server: &ServerName) -> Option<bool> {
        let slot = self
            .fetches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(server)
            .cloned()?;
        let last = *slot.lock().await;
        last.map(|attempt| attempt.failed)
    }

    /// Fetches and checks the key document of `server` now (without caching it).
    pub async fn fetch_now(&self, server: &ServerName) -> Result<ServerKeySet, KeyStoreError> {
        let unavailable =
            |source: Box<dyn std::error::Error + Send + Sync>| KeyStoreError::Unavailable {
                origin: server.clone(),
                source,
            };
        let invalid = |source: KeyResponseError| KeyStoreError::Invalid {
            origin: server.clone(),
            source: Box::new(source),
        };
        let client = self
            .connector
            .client_once(server)
            .map_err(|e| unavailable(Box::new(e)))?;
        let mut download = client
            .server_server()
            .get_server_key()
            .stream()
            .await
            .map_err(|e| unavailable(Box::new(e)))?;
        let mut body = Vec::new();
        while let Some(chunk) = download
            .chunk()
            .await
            .map_err(|e| unavailable(Box::new(e)))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(invalid(KeyResponseError::Malformed(
                    "larger than 64 KiB".into(),
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let fetched_at = now_ms();
        let raw = json::object_from_slice(&body)
            .map_err(|e| invalid(KeyResponseError::Malformed(e.to_string())))?;
        let typed = get_server_key::Response::try_from_http_response(http::Response::new(&body))
            .map_err(|e| invalid(KeyResponseError::Malformed(e.to_string())))?;
        document::verify_document(
            server,
            &raw,
            &typed.server_keys,
            fetched_at,
            self.max_validity,
        )
        .map_err(invalid)
    }
}

impl<C: KeyCache> KeyStore for FetchingKeyStore<C> {
    async fn verify_keys(
        &self,
        origin: &ServerName,
        key_ids: &[&str],
    ) -> Result<KeySet, KeyStoreError> {
        self.keys(origin, key_ids).await
    }
}

impl<C: KeyCache + std::fmt::Debug> std::fmt::Debug for FetchingKeyStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchingKeyStore")
            .field("connector", &self.connector)
            .field("cache", &self.cache)
            .field("refetch_interval_ms", &self.refetch_interval)
            .finish_non_exhaustive()
    }
}

/// Whether a cached document answers a request: still valid, and has every key ID asked for.
fn is_usable(set: &ServerKeySet, key_ids: &[&str], now: u64) -> bool {
    now < set.valid_until_ts && key_ids.iter().all(|id| set.keys.contains_key(*id))
}

/// The keys with the IDs asked for (all of them for none).
fn subset(keys: &KeySet, key_ids: &[&str]) -> KeySet {
    if key_ids.is_empty() {
        return keys.clone();
    }
    key_ids
        .iter()
        .filter_map(|id| keys.get(*id).map(|key| ((*id).to_owned(), key.clone())))
        .collect()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
