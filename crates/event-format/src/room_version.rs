//! Room versions 1–12 as data: every rule that differs between versions is a field of
//! [`RoomVersion`], looked up from the version's identifier.

use std::fmt;

/// Whether the specification lists the version as stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Unstable,
}

/// How an event gets its ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventIdFormat {
    /// v1–v2: `$opaque_id:domain`, chosen by the origin server and carried in the `event_id` field.
    ServerAssigned,
    /// v3: `$` + the reference hash in standard unpadded base64.
    ReferenceHashStandard,
    /// v4+: `$` + the reference hash in URL-safe unpadded base64.
    ReferenceHashUrlSafe,
}

/// How a room gets its ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomIdFormat {
    /// v1–v11: `!opaque_id:domain`, carried in every event's `room_id`, including the create event.
    ServerAssigned,
    /// v12: the create event's event ID with the sigil `!`; the create event has no `room_id`.
    CreateEventHash,
}

/// Which numbers canonical JSON accepts, and how it writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanonicalJsonRules {
    /// Events in v1–v5: the format is not enforced. Any 64-bit integer is encoded as is; floats
    /// (as in "floaty" power levels) are encoded the way Python's `json` module writes them,
    /// which is what the reference implementation signed such events with.
    Lenient,
    /// The appendix's rules for any signed JSON: numbers must have integer values in
    /// `[-(2**53)+1, (2**53)-1]`; `-0` and `1e10` are such values and encode as `0` and
    /// `10000000000`.
    Standard,
    /// Events in v6+: as [`Standard`](Self::Standard), and numbers must also be written as
    /// integers ("numeric values may no longer be formatted as floats"): `1e10`, `5.0` and
    /// `-0` are errors, as in the reference implementation.
    Strict,
}

/// The state resolution algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateResolution {
    /// v1: the original algorithm.
    V1,
    /// v2–v11: state resolution version 2.
    V2,
    /// v12: version 2.1 (starts from an empty state and replays the conflicted state subgraph).
    V2_1,
}

/// Who the room creators are and how they are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreatorRule {
    /// v1–v10: `content.creator` of `m.room.create` names the creator (and is required).
    ContentCreator,
    /// v11: the `sender` of `m.room.create` is the creator; `content.creator` has no meaning.
    Sender,
    /// v12: the `sender` plus `content.additional_creators` are creators, with an infinitely
    /// high power level that `m.room.power_levels` cannot list or change.
    SenderAndAdditionalCreators,
}

/// Which parts of an event survive redaction (the `content` keys kept per event type and the
/// top-level keys kept for every event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedactionRules {
    /// Top-level `origin`, `membership` and `prev_state` are kept (v1–v10).
    pub keep_origin_membership_prev_state: bool,
    /// `m.room.create` keeps `content.creator` (v1–v10).
    pub keep_create_creator: bool,
    /// `m.room.create` keeps its whole `content` (v11+).
    pub keep_create_content: bool,
    /// `m.room.create` keeps a top-level `room_id` (v1–v11; in v12 it has none).
    pub keep_create_room_id: bool,
    /// `m.room.aliases` keeps `content.aliases` (v1–v5).
    pub keep_aliases_aliases: bool,
    /// `m.room.join_rules` keeps `content.allow` (v8+).
    pub keep_join_rules_allow: bool,
    /// `m.room.member` keeps `content.join_authorised_via_users_server` (v9+).
    pub keep_member_join_authorised_via_users_server: bool,
    /// `m.room.member` keeps `content.third_party_invite.signed` only (v11+).
    pub keep_member_third_party_invite_signed: bool,
    /// `m.room.power_levels` keeps `content.invite` (v11+).
    pub keep_power_levels_invite: bool,
    /// `m.room.redaction` keeps `content.redacts` (v11+).
    pub keep_redaction_redacts: bool,
}

/// The rules of one room version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomVersion {
    /// The identifier, e.g. `"10"`.
    pub id: &'static str,
    pub stability: Stability,
    pub event_id_format: EventIdFormat,
    pub room_id_format: RoomIdFormat,
    pub canonical_json: CanonicalJsonRules,
    pub redaction: RedactionRules,
    pub state_resolution: StateResolution,
    pub creator: CreatorRule,
    /// v1–v2 auth rules contain the redaction rule (redact level or same domain as `redacts`);
    /// from v3 redactions are always allowed by auth and checked when applied.
    pub redaction_auth_rule: bool,
    /// v1–v5: `m.room.aliases` has its own auth rule (state key must be the sender's domain).
    pub special_case_aliases_auth: bool,
    /// v6+: changing `notifications` in power levels is checked like the other levels.
    pub limit_notifications_power_levels: bool,
    /// v5+: a signing key's `valid_until_ts` must be at least the event's `origin_server_ts`.
    pub enforce_key_validity: bool,
    /// v7+: the `knock` join rule and membership.
    pub knocking: bool,
    /// v8+: the `restricted` join rule.
    pub restricted_join_rule: bool,
    /// v10+: the `knock_restricted` join rule.
    pub knock_restricted_join_rule: bool,
    /// v10+: power levels must be JSON integers (no strings, no floats).
    pub integer_only_power_levels: bool,
    /// v1–v5: power levels may be floats, truncated towards zero.
    pub float_power_levels: bool,
    /// v11+: `m.room.redaction` carries `redacts` in `content` instead of at the top level.
    pub redacts_in_content: bool,
    /// v1–v2: events must also be signed by the server named in their `event_id`.
    pub event_id_server_signs: bool,
}

const V1_REDACTION: RedactionRules = RedactionRules {
    keep_origin_membership_prev_state: true,
    keep_create_creator: true,
    keep_create_content: false,
    keep_create_room_id: true,
    keep_aliases_aliases: true,
    keep_join_rules_allow: false,
    keep_member_join_authorised_via_users_server: false,
    keep_member_third_party_invite_signed: false,
    keep_power_levels_invite: false,
    keep_redaction_redacts: false,
};

const V6_REDACTION: RedactionRules = RedactionRules {
    keep_aliases_aliases: false,
    ..V1_REDACTION
};

const V8_REDACTION: RedactionRules = RedactionRules {
    keep_join_rules_allow: true,
    ..V6_REDACTION
};

const V9_REDACTION: RedactionRules = RedactionRules {
    keep_member_join_authorised_via_users_server: true,
    ..V8_REDACTION
};

const V11_REDACTION: RedactionRules = RedactionRules {
    keep_origin_membership_prev_state: false,
    keep_create_creator: false,
    keep_create_content: true,
    keep_member_third_party_invite_signed: true,
    keep_power_levels_invite: true,
    keep_redaction_redacts: true,
    ..V9_REDACTION
};

const V12_REDACTION: RedactionRules = RedactionRules {
    keep_create_room_id: false,
    ..V11_REDACTION
};

const V1: RoomVersion = RoomVersion {
    id: "1",
    stability: Stability::Stable,
    event_id_format: EventIdFormat::ServerAssigned,
    room_id_format: RoomIdFormat::ServerAssigned,
    canonical_json: CanonicalJsonRules::Lenient,
    redaction: V1_REDACTION,
    state_resolution: StateResolution::V1,
    creator: CreatorRule::ContentCreator,
    redaction_auth_rule: true,
    special_case_aliases_auth: true,
    limit_notifications_power_levels: false,
    enforce_key_validity: false,
    knocking: false,
    restricted_join_rule: false,
    knock_restricted_join_rule: false,
    integer_only_power_levels: false,
    float_power_levels: true,
    redacts_in_content: false,
    event_id_server_signs: true,
};

const V2: RoomVersion = RoomVersion {
    id: "2",
    state_resolution: StateResolution::V2,
    ..V1
};

const V3: RoomVersion = RoomVersion {
    id: "3",
    event_id_format: EventIdFormat::ReferenceHashStandard,
    redaction_auth_rule: false,
    event_id_server_signs: false,
    ..V2
};

const V4: RoomVersion = RoomVersion {
    id: "4",
    event_id_format: EventIdFormat::ReferenceHashUrlSafe,
    ..V3
};

const V5: RoomVersion = RoomVersion {
    id: "5",
    enforce_key_validity: true,
    ..V4
};

const V6: RoomVersion = RoomVersion {
    id: "6",
    canonical_json: CanonicalJsonRules::Strict,
    redaction: V6_REDACTION,
    special_case_aliases_auth: false,
    limit_notifications_power_levels: true,
    float_power_levels: false,
    ..V5
};

const V7: RoomVersion = RoomVersion {
    id: "7",
    knocking: true,
    ..V6
};

const V8: RoomVersion = RoomVersion {
    id: "8",
    redaction: V8_REDACTION,
    restricted_join_rule: true,
    ..V7
};

const V9: RoomVersion = RoomVersion {
    id: "9",
    redaction: V9_REDACTION,
    ..V8
};

const V10: RoomVersion = RoomVersion {
    id: "10",
    knock_restricted_join_rule: true,
    integer_only_power_levels: true,
    ..V9
};

const V11: RoomVersion = RoomVersion {
    id: "11",
    redaction: V11_REDACTION,
    creator: CreatorRule::Sender,
    redacts_in_content: true,
    ..V10
};

const V12: RoomVersion = RoomVersion {
    id: "12",
    room_id_format: RoomIdFormat::CreateEventHash,
    redaction: V12_REDACTION,
    state_resolution: StateResolution::V2_1,
    creator: CreatorRule::SenderAndAdditionalCreators,
    ..V11
};

/// Every room version this crate knows, in order.
pub const ROOM_VERSIONS: [RoomVersion; 12] = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12];

impl RoomVersion {
    pub const V1: &'static RoomVersion = &ROOM_VERSIONS[0];
    pub const V2: &'static RoomVersion = &ROOM_VERSIONS[1];
    pub const V3: &'static RoomVersion = &ROOM_VERSIONS[2];
    pub const V4: &'static RoomVersion = &ROOM_VERSIONS[3];
    pub const V5: &'static RoomVersion = &ROOM_VERSIONS[4];
    pub const V6: &'static RoomVersion = &ROOM_VERSIONS[5];
    pub const V7: &'static RoomVersion = &ROOM_VERSIONS[6];
    pub const V8: &'static RoomVersion = &ROOM_VERSIONS[7];
    pub const V9: &'static RoomVersion = &ROOM_VERSIONS[8];
    pub const V10: &'static RoomVersion = &ROOM_VERSIONS[9];
    pub const V11: &'static RoomVersion = &ROOM_VERSIONS[10];
    pub const V12: &'static RoomVersion = &ROOM_VERSIONS[11];

    /// Looks a version up by its identifier (`"1"` … `"12"`); `None` for unknown versions.
    pub fn from_id(id: &str) -> Option<&'static RoomVersion> {
        ROOM_VERSIONS.iter().find(|version| version.id == id)
    }
}

impl fmt::Display for RoomVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_id() {
        for (index, version) in ROOM_VERSIONS.iter().enumerate() {
            assert_eq!(version.id, (index + 1).to_string());
            assert_eq!(RoomVersion::from_id(version.id), Some(version));
        }
        assert_eq!(RoomVersion::from_id("13"), None);
        assert_eq!(RoomVersion::from_id(""), None);
        assert_eq!(RoomVersion::from_id("org.matrix.msc3757.10"), None);
    }

    /// The feature matrix of the room versions page, column by column.
    #[test]
    fn feature_matrix() {
        let knocking: Vec<bool> = ROOM_VERSIONS.iter().map(|v| v.knocking).collect();
        let restricted: Vec<bool> = ROOM_VERSIONS
            .iter()
            .map(|v| v.restricted_join_rule)
            .collect();
        let knock_restricted: Vec<bool> = ROOM_VERSIONS
            .iter()
            .map(|v| v.knock_restricted_join_rule)
            .collect();
        let from = |n: usize| (1..=12).map(|v| v >= n).collect::<Vec<_>>();
        assert_eq!(knocking, from(7));
        assert_eq!(restricted, from(8));
        assert_eq!(knock_restricted, from(10));
        assert_eq!(
            RoomVersion::V12.creator,
            CreatorRule::SenderAndAdditionalCreators
        );
        assert_eq!(
            RoomVersion::V3.event_id_format,
            EventIdFormat::ReferenceHashStandard
        );
        assert_eq!(RoomVersion::V1.state_resolution, StateResolution::V1);
        assert_eq!(RoomVersion::V12.state_resolution, StateResolution::V2_1);
    }
}
