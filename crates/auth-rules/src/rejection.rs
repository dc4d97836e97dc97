//! [`Rejection`]: why the authorization rules reject an event, as data a caller can match on.

use std::fmt;

/// Why an event fails the authorization rules. Each variant is one rule (or one kind of
/// malformed input the rules cannot be applied to, which also rejects the event).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    // ---- m.room.create
    #[error("the create event has prev_events")]
    CreateHasPrevEvents,
    #[error("a room version 12 create event has a room_id")]
    CreateHasRoomId,
    #[error("the domain of the create event's room_id differs from its sender's")]
    CreateRoomIdDomainMismatch,
    #[error("content.room_version is not a known room version")]
    UnknownRoomVersion,
    #[error("the create event has no content.creator")]
    CreateWithoutCreator,
    #[error("content.additional_creators is not an array of valid user IDs")]
    InvalidAdditionalCreators,

    // ---- auth_events (checks independent of the room state)
    #[error("auth event {0} is unknown")]
    MissingAuthEvent(String),
    #[error("the create event {0} is listed in auth_events, where room version 12 implies it")]
    CreateEventListed(String),
    #[error("auth event {0} belongs to another room")]
    AuthEventInOtherRoom(String),
    #[error("auth events {first} and {second} have the same type and state key")]
    DuplicateAuthEvent { first: String, second: String },
    #[error("auth event {0} is not of a type and state key the auth events selection picks")]
    UnexpectedAuthEvent(String),
    #[error("auth event {0} was rejected")]
    RejectedAuthEvent(String),
    #[error("there is no create event among the auth events")]
    NoCreateEvent,

    // ---- checks against the room state
    #[error("there is no create event in the state")]
    MissingCreateEvent,
    #[error("the room does not federate and the sender's server is not the creator's")]
    NotFederated,
    #[error("{0:?} has no domain")]
    IdWithoutDomain(String),
    #[error("m.room.aliases must be a state event with the sender's domain as state key")]
    InvalidAliasesEvent,
    #[error("the create event's content is malformed: {0}")]
    MalformedCreateContent(&'static str),
    #[error("the power levels are malformed: {0}")]
    MalformedPowerLevels(MalformedPowerLevels),

    // ---- m.room.member
    #[error("a member event needs a state_key and a string content.membership")]
    MalformedMemberEvent,
    #[error("unknown membership {0:?}")]
    UnknownMembership(String),
    #[error("the third-party invite does not verify")]
    InvalidThirdPartyInvite,
    #[error("the target user is banned")]
    TargetBanned,
    #[error("the target user is already joined")]
    TargetJoined,
    #[error("the sender is not joined to the room")]
    SenderNotJoined,
    #[error("only the user themselves can join or knock")]
    NotOwnMembership,
    #[error("the sender is banned")]
    SenderBanned,
    #[error("the user is not invited and the join rule requires an invite")]
    NotInvited,
    #[error("the join rule {0:?} does not allow joining")]
    JoinRuleForbidsJoin(String),
    #[error("a restricted join names no authorising user")]
    MissingJoinAuthoriser,
    #[error("the authorising user of a restricted join is not joined")]
    JoinAuthoriserNotJoined,
    #[error("the authorising user of a restricted join cannot invite")]
    JoinAuthoriserCannotInvite,
    #[error("the join rule {0:?} does not allow knocking")]
    KnockNotAllowed(String),
    #[error("the user is already invited")]
    AlreadyInvited,

    // ---- power
    #[error("{action}: power level {user_level} is below the required {required_level}")]
    InsufficientPower {
        action: Action,
        user_level: i128,
        required_level: i128,
    },
    #[error(
        "{action}: the target's power level {target_level} is not below the sender's {user_level}"
    )]
    TargetNotLowerPower {
        action: Action,
        user_level: i128,
        target_level: i128,
    },
    #[error("the state key starts with @ and is not the sender")]
    StateKeyOfOtherUser,
    #[error("cannot change {key}: its level equals the sender's own")]
    PowerLevelEqualToOwn { key: String },
    #[error("cannot change {key}: the old or new level is above the sender's own")]
    PowerLevelAboveOwn { key: String },
}

/// What a sender lacked the power to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Invite,
    Kick,
    Ban,
    Unban,
    SendEvent,
    Redact,
    ThirdPartyInvite,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Invite => "invite",
            Action::Kick => "kick",
            Action::Ban => "ban",
            Action::Unban => "unban",
            Action::SendEvent => "send the event",
            Action::Redact => "redact",
            Action::ThirdPartyInvite => "third-party invite",
        })
    }
}

/// How an `m.room.power_levels` content fails to be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedPowerLevels {
    #[error("{0} is not an integer")]
    NotAnInteger(String),
    #[error("{0} is not an object")]
    NotAnObject(String),
    #[error("{0:?} in users is not a user ID")]
    InvalidUserId(String),
    #[error("the room creator {0} is listed in users")]
    CreatorListed(String),
}

impl From<MalformedPowerLevels> for Rejection {
    fn from(error: MalformedPowerLevels) -> Self {
        Rejection::MalformedPowerLevels(error)
    }
}
