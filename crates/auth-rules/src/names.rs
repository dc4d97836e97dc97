//! The event types and content keys the rules name.

pub const CREATE: &str = "m.room.create";
pub const MEMBER: &str = "m.room.member";
pub const POWER_LEVELS: &str = "m.room.power_levels";
pub const JOIN_RULES: &str = "m.room.join_rules";
pub const THIRD_PARTY_INVITE: &str = "m.room.third_party_invite";
pub const ALIASES: &str = "m.room.aliases";
pub const REDACTION: &str = "m.room.redaction";
/// `content` key naming the user who authorised a restricted join.
pub const JOIN_AUTHORISED_VIA_USERS_SERVER: &str = "join_authorised_via_users_server";
