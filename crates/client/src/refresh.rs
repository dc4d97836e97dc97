//! The access-token refresh hook, called when the server says the token expired
//! (`M_UNKNOWN_TOKEN` with `soft_logout: true`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Client;

/// Any error of a refresh hook.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type RefreshFuture = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>>;

/// A hook that gets a new access token (for example with `POST /refresh`).
#[derive(Clone)]
pub(crate) struct RefreshHook(Arc<dyn Fn(Client) -> RefreshFuture + Send + Sync>);

impl RefreshHook {
    pub(crate) fn new<F, Fut>(hook: F) -> Self
    where
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
    {
        RefreshHook(Arc::new(move |client| Box::pin(hook(client))))
    }

    /// Runs the hook; requests it sends do not call it again.
    pub(crate) async fn call(&self, client: Client) -> Result<String, RefreshError> {
        REFRESHING
            .scope((), (self.0)(client))
            .await
            .map_err(RefreshError::Hook)
    }
}

impl fmt::Debug for RefreshHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshHook")
    }
}

tokio::task_local! {
    /// Set while a refresh hook runs, so that a request it sends never waits for itself.
    static REFRESHING: ();
}

/// Whether the current task is running a refresh hook.
pub(crate) fn in_hook() -> bool {
    REFRESHING.try_with(|_| ()).is_ok()
}

/// Why a token refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The hook returned an error.
    #[error("{0}")]
    Hook(#[source] BoxError),
    /// The hook returned a token that cannot be sent in a header.
    #[error("the new access token is not a valid header value")]
    InvalidToken,
}
