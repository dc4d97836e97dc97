//! Comparing this workspace's verdicts with Synapse's.

use matrix_auth_rules::Rejection;

/// Rejections for inputs on which Synapse raises an error rather than rejecting the event.
pub fn synapse_raises_instead(rejection: &Rejection) -> bool {
    matches!(
        rejection,
        Rejection::MissingAuthEvent(_)
            | Rejection::CreateEventListed(_)
            | Rejection::MalformedPowerLevels(_)
            | Rejection::MalformedCreateContent(_)
            | Rejection::IdWithoutDomain(_)
            | Rejection::InvalidThirdPartyInvite
    )
}

/// Whether a verdict matches Synapse's ("allow", "reject", or "error" for the inputs where it
/// raises instead of rejecting).
pub fn same_verdict(ours: &Result<(), Rejection>, synapse: &str) -> bool {
    match (ours, synapse) {
        (Ok(()), "allow") => true,
        (Err(_), "reject") => true,
        (Err(rejection), "error") => synapse_raises_instead(rejection),
        _ => false,
    }
}
