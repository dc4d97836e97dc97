//! What an event is to state resolution, read once from the event: its [`Kind`], whether it is
//! a power event, and (for an [`Events`](crate::Events) store) its room.

use matrix_auth_rules::{CREATE, Event, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE};

/// What an event is to the authorization rules (classified once, compared cheaply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Missing,
    Create,
    PowerLevels,
    JoinRules,
    Member,
    ThirdPartyInvite,
    /// An `m.room.member` event without a state key (not state, but it counts as a kick or ban
    /// to the power ordering when its membership says so).
    MemberMessage,
    Other,
}

impl Kind {
    pub fn of<E: Event>(event: Option<&E>) -> Kind {
        let Some(event) = event else {
            return Kind::Missing;
        };
        let Some(state_key) = event.state_key() else {
            return match event.event_type() {
                MEMBER => Kind::MemberMessage,
                _ => Kind::Other,
            };
        };
        match event.event_type() {
            CREATE if state_key.is_empty() => Kind::Create,
            POWER_LEVELS if state_key.is_empty() => Kind::PowerLevels,
            JOIN_RULES if state_key.is_empty() => Kind::JoinRules,
            MEMBER => Kind::Member,
            THIRD_PARTY_INVITE => Kind::ThirdPartyInvite,
            _ => Kind::Other,
        }
    }
}

/// Whether an event of `kind` is a power event: power levels, join rules, the create event, or a
/// kick or ban (a `leave` or `ban` membership whose sender is not its target).
pub(crate) fn is_power<E: Event>(kind: Kind, event: Option<&E>) -> bool {
    match kind {
        Kind::PowerLevels | Kind::JoinRules | Kind::Create => true,
        Kind::Member | Kind::MemberMessage => event.is_some_and(|event| {
            matches!(event.membership(), Some("leave" | "ban"))
                && event.state_key() != Some(event.sender())
        }),
        Kind::ThirdPartyInvite | Kind::Other | Kind::Missing => false,
    }
}
