//! [`KeyStore`]: where the runtime gets the verification keys of the servers that sign
//! federation requests, and [`InMemoryKeyStore`] for tests and fixed peers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{PoisonError, RwLock};

use futures_util::future::BoxFuture;
use matrix_api_core::ServerName;
use matrix_event_format::{KeySet, VerifyKey};

/// The verification keys of other servers.
///
/// A fetching implementation asks the origin's `GET /_matrix/key/v2/server` (the key API's
/// `get_server_key`) or a notary, checks that the answer names the origin and is signed by
/// each of its keys, and caches the keys until their `valid_until_ts`. The runtime refuses
/// keys whose `valid_until_ts` has passed, so a store may return what it has cached.
pub trait KeyStore: Send + Sync + 'static {
    /// The keys of `origin` with the IDs `key_ids` (`ed25519:…`) that the store knows or can
    /// fetch, each with its `valid_until_ts`; IDs it cannot find are left out.
    fn verify_keys(
        &self,
        origin: &ServerName,
        key_ids: &[&str],
    ) -> impl Future<Output = Result<KeySet, KeyStoreError>> + Send;
}

/// Why a store has no keys to give.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// The origin's key server (or the notary) cannot be reached or answered with an error.
    #[error("the key server of {origin} is unavailable")]
    Unavailable {
        /// The server whose keys were asked for.
        origin: ServerName,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The answer is not acceptable: another server's keys, a bad self-signature, no validity.
    #[error("the keys published by {origin} do not verify")]
    Invalid {
        /// The server whose keys were asked for.
        origin: ServerName,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// [`KeyStore`] behind a pointer, its future boxed.
pub(crate) trait DynKeyStore: Send + Sync {
    fn verify_keys<'a>(
        &'a self,
        origin: &'a ServerName,
        key_ids: &'a [&'a str],
    ) -> BoxFuture<'a, Result<KeySet, KeyStoreError>>;
}

impl<S: KeyStore> DynKeyStore for S {
    fn verify_keys<'a>(
        &'a self,
        origin: &'a ServerName,
        key_ids: &'a [&'a str],
    ) -> BoxFuture<'a, Result<KeySet, KeyStoreError>> {
        Box::pin(KeyStore::verify_keys(self, origin, key_ids))
    }
}

/// Keys given by hand: for tests, and for peers whose keys are configured.
#[derive(Debug, Default)]
pub struct InMemoryKeyStore {
    servers: RwLock<HashMap<ServerName, KeySet>>,
}

impl InMemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a key of `origin`; give it a `valid_until_ts` with
    /// [`VerifyKey::with_valid_until_ts`].
    pub fn insert(&self, origin: ServerName, key_id: impl Into<String>, key: VerifyKey) {
        self.servers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(origin)
            .or_default()
            .insert(key_id.into(), key);
    }
}

impl KeyStore for InMemoryKeyStore {
    async fn verify_keys(
        &self,
        origin: &ServerName,
        key_ids: &[&str],
    ) -> Result<KeySet, KeyStoreError> {
        let servers = self.servers.read().unwrap_or_else(PoisonError::into_inner);
        let Some(keys) = servers.get(origin) else {
            return Ok(KeySet::new());
        };
        Ok(key_ids
            .iter()
            .filter_map(|id| keys.get(*id).map(|key| ((*id).to_owned(), key.clone())))
            .collect())
    }
}
