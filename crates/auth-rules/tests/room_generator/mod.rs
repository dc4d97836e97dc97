//! A seeded generator of rooms for the authorization cross-check: a linear chain of events of
//! every kind the rules cover, many of them crafted to be rejected (no power, not joined,
//! banned, wrong join rule, bad third-party invite signature, malformed power levels, wrong,
//! missing, duplicate, rejected or stale auth events, …). Each event is checked with this crate
//! against its auth events and the state before it; accepted state events update the state.
//!
//! Events are written as the oracle builds them (`hashes` `AAAA`, empty `signatures`, explicit
//! `depth` and `origin_server_ts`), with their real event IDs as labels, so that the oracle
//! computes the same IDs.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use matrix_auth_rules::{
    AuthKey, AuthState, Event, JOIN_AUTHORISED_VIA_USERS_SERVER, MEMBER, PduEvent, Rejection,
    THIRD_PARTY_INVITE, auth_types_for_event, check_against_state, check_event,
};
use matrix_event_format::keys::SigningKey;
use matrix_event_format::room_version::{CreatorRule, EventIdFormat, RoomIdFormat};
use matrix_event_format::{JsonObject, RoomVersion, event_id, sign_json};
use matrix_test_support::Rng;
use serde_json::{Value, json};

pub const USERS: [&str; 7] = [
    "@alice:a.example",
    "@bob:b.example",
    "@carol:a.example",
    "@dave:c.example",
    "@erin:b.example",
    "@frank:c.example",
    "@mallory:m.example",
];
const ALICE: &str = USERS[0];
const IDENTITY_SERVER: &str = "id.example";

type State = BTreeMap<(String, String), String>;

/// One generated room: its events in the oracle's JSON form, the checks to run and this crate's
/// verdict for each.
pub struct GeneratedRoom {
    pub version: &'static RoomVersion,
    pub room_json: Value,
    /// (event ID, our verdict, whether the event was crafted to be rejected)
    pub verdicts: Vec<(String, Result<(), Rejection>, bool)>,
    /// Member and third-party invite keys the rules read from the state that are not among the
    /// event's auth types (state resolution relies on there being none).
    pub keys_outside_auth_types: Vec<String>,
}

/// A state that records the keys the rules read from it.
struct Recording<'s, S: ?Sized> {
    state: &'s S,
    read: RefCell<Vec<(String, String)>>,
}

impl<S: AuthState + ?Sized> AuthState for Recording<'_, S> {
    type Event = S::Event;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&S::Event> {
        let key = (event_type.to_owned(), state_key.to_owned());
        self.read.borrow_mut().push(key);
        self.state.get(event_type, state_key)
    }

    fn get_key(&self, key: AuthKey<'_>) -> Option<&S::Event> {
        let (event_type, state_key) = key.pair();
        let read = (event_type.to_owned(), state_key.to_owned());
        self.read.borrow_mut().push(read);
        self.state.get_key(key)
    }
}

struct Draft {
    event_type: String,
    state_key: Option<String>,
    sender: String,
    content: Value,
    redacts: Option<String>,
    crafted: bool,
}

struct Builder<'r> {
    rng: &'r mut Rng,
    version: &'static RoomVersion,
    room_id: String,
    events: Vec<PduEvent>,
    json_events: Vec<Value>,
    by_id: HashMap<String, usize>,
    state: State,
    snapshots: Vec<State>,
    checks: Vec<Value>,
    verdicts: Vec<(String, Result<(), Rejection>, bool)>,
    keys_outside_auth_types: Vec<String>,
    ts: i64,
    keys: [SigningKey; 3],
    counter: usize,
    /// Still adding the honest events that start the room (no crafted variations).
    in_setup: bool,
}

/// Generates a room of about `events` events in `version`.
pub fn generate(
    rng: &mut Rng,
    version: &'static RoomVersion,
    events: usize,
    index: usize,
) -> GeneratedRoom {
    let keys = [1u8, 2, 3].map(|seed| SigningKey::from_seed(&[seed; 32], "0").expect("seeded key"));
    let mut builder = Builder {
        rng,
        version,
        room_id: format!("!auth{index}:a.example"),
        events: Vec::new(),
        json_events: Vec::new(),
        by_id: HashMap::new(),
        state: State::new(),
        snapshots: Vec::new(),
        checks: Vec::new(),
        verdicts: Vec::new(),
        keys_outside_auth_types: Vec::new(),
        ts: 0,
        keys,
        counter: 0,
        in_setup: true,
    };
    builder.setup();
    builder.in_setup = false;
    while builder.events.len() < events {
        let draft = builder.next_draft();
        builder.add(draft);
    }
    let room_json = json!({
        "_source": "matrix-auth-rules tests/room_generator",
        "room_version": version.id,
        "room_id": builder.room_id,
        "events": builder.json_events,
        "checks": builder.checks,
    });
    GeneratedRoom {
        version,
        room_json,
        verdicts: builder.verdicts,
        keys_outside_auth_types: builder.keys_outside_auth_types,
    }
}

fn member(membership: &str) -> Value {
    json!({ "membership": membership })
}

/// The member and third-party invite keys the rules read from `state` for `event` that are not
/// among its auth types.
fn keys_outside_auth_types<S: AuthState + ?Sized>(
    version: &RoomVersion,
    event: &PduEvent,
    state: &S,
) -> Vec<String> {
    let recording = Recording {
        state,
        read: RefCell::new(Vec::new()),
    };
    // Only the keys read matter here; the verdict is `check_event`'s.
    let _ = check_against_state(version, event, &recording);
    let types = auth_types_for_event(version, event);
    recording
        .read
        .into_inner()
        .into_iter()
        .filter(|(event_type, state_key)| {
            let keyed = event_type == MEMBER || event_type == THIRD_PARTY_INVITE;
            keyed && !types.iter().any(|key| key == (&**event_type, &**state_key))
        })
        .map(|(event_type, state_key)| format!("{}: ({event_type}, {state_key})", event.event_id()))
        .collect()
}

impl Builder<'_> {
    fn setup(&mut self) {
        let mut create = json!({"room_version": self.version.id});
        if self.version.creator == CreatorRule::ContentCreator || self.rng.chance(30) {
            create["creator"] = json!(ALICE);
        }
        if self.rng.chance(8) {
            create["m.federate"] = json!(false);
        }
        if self.version.room_id_format == RoomIdFormat::CreateEventHash && self.rng.chance(40) {
            create["additional_creators"] = json!([USERS[1]]);
        }
        self.add(Draft {
            event_type: "m.room.create".into(),
            state_key: Some(String::new()),
            sender: ALICE.into(),
            content: create,
            redacts: None,
            crafted: false,
        });
        self.add(self.draft("m.room.member", Some(ALICE), ALICE, member("join")));
        let pl = self.initial_power_levels();
        self.add(self.draft("m.room.power_levels", Some(""), ALICE, pl));
        let rule = match self.rng.below(10) {
            0..=3 if self.version.restricted_join_rule => "restricted",
            0..=1 if self.version.knocking => "knock",
            4 if self.version.knock_restricted_join_rule => "knock_restricted",
            7..=9 => "invite",
            _ => "public",
        };
        self.add(self.draft(
            "m.room.join_rules",
            Some(""),
            ALICE,
            json!({"join_rule": rule}),
        ));
        for user in &USERS[1..4] {
            self.add(self.draft("m.room.member", Some(user), user, member("join")));
        }
    }

    fn is_v12(&self) -> bool {
        self.version.room_id_format == RoomIdFormat::CreateEventHash
    }

    fn initial_power_levels(&mut self) -> Value {
        let mut users = serde_json::Map::new();
        if !self.is_v12() {
            users.insert(ALICE.into(), json!(100));
        }
        users.insert(USERS[2].into(), json!(50));
        if !self.is_v12() || self.rng.chance(50) {
            // In v12 bob may be an additional creator, who must not be listed.
            if !self.creators().contains(&USERS[1].to_owned()) {
                users.insert(USERS[1].into(), json!(self.rng.pick(&[0, 10, 50, 75])));
            }
        }
        let mut content = json!({
            "users": users,
            "users_default": 0,
            "events_default": 0,
            "state_default": 50,
            "ban": 50,
            "kick": 50,
            "redact": 50,
            "invite": self.rng.pick(&[0, 50]),
            "events": {"m.room.power_levels": 100, "m.room.name": 50},
        });
        if self.rng.chance(30) {
            content["notifications"] = json!({"room": 50});
        }
        content
    }

    fn creators(&self) -> Vec<String> {
        let mut creators = vec![ALICE.to_owned()];
        if self.is_v12() {
            if let Some(create) = self.current("m.room.create", "") {
                if let Some(Value::Array(extra)) = create.content().get("additional_creators") {
                    creators.extend(extra.iter().filter_map(|v| v.as_str().map(str::to_owned)));
                }
            }
        }
        creators
    }

    fn current(&self, event_type: &str, state_key: &str) -> Option<&PduEvent> {
        let id = self
            .state
            .get(&(event_type.to_owned(), state_key.to_owned()))?;
        Some(&self.events[self.by_id[id]])
    }

    fn membership_of(&self, user: &str) -> Option<String> {
        self.current("m.room.member", user)
            .and_then(|e| e.membership().map(str::to_owned))
    }

    fn users_with(&self, membership: &str) -> Vec<String> {
        USERS
            .iter()
            .filter(|u| self.membership_of(u).as_deref() == Some(membership))
            .map(|u| (*u).to_owned())
            .collect()
    }

    fn draft(
        &self,
        event_type: &str,
        state_key: Option<&str>,
        sender: &str,
        content: Value,
    ) -> Draft {
        Draft {
            event_type: event_type.into(),
            state_key: state_key.map(str::to_owned),
            sender: sender.into(),
            content,
            redacts: None,
            crafted: false,
        }
    }

    fn any_user(&mut self) -> String {
        self.rng.pick(&USERS).to_owned()
    }

    fn joined_or_any(&mut self, joined_percent: u64) -> String {
        let joined = self.users_with("join");
        if !joined.is_empty() && self.rng.chance(joined_percent) {
            self.rng.pick(&joined)
        } else {
            self.any_user()
        }
    }

    /// A level to write into power levels: mostly integers, in v1–v9 sometimes strings, in
    /// v1–v5 sometimes floats.
    fn level(&mut self, value: i64) -> Value {
        let stringy = !self.version.integer_only_power_levels;
        let floaty = self.version.float_power_levels;
        match self.rng.below(12) {
            0 if stringy => json!(format!(" +{value:03} ")),
            1 if stringy => json!(value.to_string()),
            2 if floaty => json!(value as f64 + 0.5),
            _ => json!(value),
        }
    }

    fn next_draft(&mut self) -> Draft {
        match self.rng.below(100) {
            0..=11 => self.message(),
            12..=19 => self.topic_or_name(),
            20..=24 => self.custom_state(),
            25..=36 => self.join(),
            37..=44 => self.invite(),
            45..=52 => self.leave(),
            53..=57 => self.ban(),
            58..=62 => self.knock(),
            63..=67 => self.join_rules(),
            68..=79 => self.power_levels(),
            80..=84 => self.third_party_invite(),
            85..=89 => self.redaction(),
            90..=92 => self.aliases(),
            93..=94 => self.extra_create(),
            _ => self.odd_membership(),
        }
    }

    fn message(&mut self) -> Draft {
        let sender = self.joined_or_any(80);
        let body = format!("message {}", self.counter);
        self.draft(
            "m.room.message",
            None,
            &sender,
            json!({"msgtype": "m.text", "body": body}),
        )
    }

    fn topic_or_name(&mut self) -> Draft {
        let sender = self.joined_or_any(85);
        let event_type = if self.rng.chance(60) {
            "m.room.topic"
        } else {
            "m.room.name"
        };
        let field = if event_type == "m.room.topic" {
            "topic"
        } else {
            "name"
        };
        let text = format!("{field} {}", self.counter);
        self.draft(event_type, Some(""), &sender, json!({ field: text }))
    }

    fn custom_state(&mut self) -> Draft {
        let sender = self.joined_or_any(85);
        let state_key = match self.rng.below(4) {
            0 => String::new(),
            1 => sender.clone(),
            2 => self.any_user(),
            _ => "@not-a-user".to_owned(),
        };
        let mut draft = self.draft(
            "com.example.state",
            Some(&state_key),
            &sender,
            json!({"x": 1}),
        );
        draft.crafted = state_key.starts_with('@') && state_key != sender;
        draft
    }

    fn join(&mut self) -> Draft {
        let outsiders: Vec<String> = USERS
            .iter()
            .filter(|u| self.membership_of(u).as_deref() != Some("join"))
            .map(|u| (*u).to_owned())
            .collect();
        let user = if !outsiders.is_empty() && self.rng.chance(70) {
            self.rng.pick(&outsiders)
        } else {
            self.any_user()
        };
        let sender = if self.rng.chance(8) {
            self.any_user()
        } else {
            user.clone()
        };
        let mut content = json!({"membership": "join"});
        if self.rng.chance(20) {
            content["displayname"] = json!(format!("name {}", self.counter));
        }
        if self.version.restricted_join_rule && self.rng.chance(60) {
            let authoriser = if self.rng.chance(60) {
                self.joined_or_any(100)
            } else {
                self.any_user()
            };
            content[JOIN_AUTHORISED_VIA_USERS_SERVER] = json!(authoriser);
        }
        let mut draft = self.draft("m.room.member", Some(&user), &sender, content);
        draft.crafted = sender != user;
        draft
    }

    fn invite(&mut self) -> Draft {
        let sender = self.joined_or_any(85);
        let target = self.any_user();
        self.draft("m.room.member", Some(&target), &sender, member("invite"))
    }

    fn leave(&mut self) -> Draft {
        let target = self.any_user();
        let sender = if self.rng.chance(50) {
            target.clone()
        } else {
            self.joined_or_any(90)
        };
        self.draft("m.room.member", Some(&target), &sender, member("leave"))
    }

    fn ban(&mut self) -> Draft {
        let sender = self.joined_or_any(90);
        let target = self.any_user();
        self.draft("m.room.member", Some(&target), &sender, member("ban"))
    }

    fn knock(&mut self) -> Draft {
        let user = self.any_user();
        let sender = if self.rng.chance(10) {
            self.any_user()
        } else {
            user.clone()
        };
        let mut draft = self.draft("m.room.member", Some(&user), &sender, member("knock"));
        draft.crafted = !self.version.knocking;
        draft
    }

    fn odd_membership(&mut self) -> Draft {
        let user = self.any_user();
        let membership = self.rng.pick(&[json!("private"), json!(5), json!("JOIN")]);
        let mut draft = self.draft(
            "m.room.member",
            Some(&user),
            &user,
            json!({"membership": membership}),
        );
        draft.crafted = true;
        draft
    }

    fn join_rules(&mut self) -> Draft {
        let sender = if self.rng.chance(60) {
            ALICE.to_owned()
        } else {
            self.joined_or_any(80)
        };
        let rules = [
            json!("public"),
            json!("invite"),
            json!("knock"),
            json!("restricted"),
            json!("knock_restricted"),
            json!("private"),
            json!(null),
        ];
        let rule = if self.version.restricted_join_rule && self.rng.chance(40) {
            self.rng.pick(&rules[2..5])
        } else {
            self.rng.pick(&rules)
        };
        let mut content = json!({"join_rule": rule});
        if self.rng.chance(50) {
            content["allow"] =
                json!([{"type": "m.room_membership", "room_id": "!other:a.example"}]);
        }
        if self.rng.chance(5) {
            content = json!({});
        }
        self.draft("m.room.join_rules", Some(""), &sender, content)
    }

    fn power_levels(&mut self) -> Draft {
        let sender = match self.rng.below(10) {
            0..=5 => ALICE.to_owned(),
            _ => self.joined_or_any(80),
        };
        let mut content = self
            .current("m.room.power_levels", "")
            .map(|e| Value::Object(e.content().clone()))
            .unwrap_or_else(|| json!({}));
        let mut crafted = false;
        for _ in 0..self.rng.below(3) + 1 {
            match self.rng.below(10) {
                0..=3 => {
                    let user = self.any_user();
                    let value = self.rng.pick(&[0, 10, 49, 50, 51, 75, 99, 100, 101]);
                    let level = self.level(value);
                    if !content["users"].is_object() {
                        content["users"] = json!({});
                    }
                    content["users"][user] = level;
                }
                4 => {
                    let user = self.any_user();
                    if let Some(users) = content.get_mut("users").and_then(Value::as_object_mut) {
                        users.remove(&user);
                    }
                }
                5 => {
                    let name = self.rng.pick(&[
                        "ban",
                        "kick",
                        "redact",
                        "invite",
                        "state_default",
                        "events_default",
                        "users_default",
                    ]);
                    let value = self.rng.pick(&[0, 25, 50, 75, 100]);
                    content[name] = self.level(value);
                }
                6 => {
                    let event_type = self.rng.pick(&[
                        "m.room.topic",
                        "m.room.message",
                        "m.room.redaction",
                        "m.room.power_levels",
                        "com.example.state",
                    ]);
                    let value = self.rng.pick(&[0, 50, 100]);
                    let level = self.level(value);
                    if !content["events"].is_object() {
                        content["events"] = json!({});
                    }
                    content["events"][event_type] = level;
                }
                7 => {
                    let value = self.rng.pick(&[0, 50, 100]);
                    content["notifications"] = json!({"room": value});
                }
                8 => {
                    // Values the reference implementation cannot read at all.
                    crafted = true;
                    let bad = self
                        .rng
                        .pick(&[json!("abc"), json!(null), json!([1]), json!("5.5")]);
                    match self.rng.below(3) {
                        0 => content["ban"] = bad,
                        1 => content["users"][USERS[3]] = bad,
                        _ => content["users"]["not-a-user-id"] = json!(0),
                    }
                }
                _ => {
                    if self.is_v12() {
                        crafted = true;
                        let creator = self.rng.pick(&self.creators());
                        content["users"][creator] = json!(100);
                    } else {
                        content["users"][sender.clone()] = json!(100);
                    }
                }
            }
        }
        let mut draft = self.draft("m.room.power_levels", Some(""), &sender, content);
        draft.crafted = crafted;
        draft
    }

    fn third_party_invite(&mut self) -> Draft {
        let sender = self.joined_or_any(85);
        let tokens: Vec<String> = self
            .state
            .keys()
            .filter(|(t, _)| t == "m.room.third_party_invite")
            .map(|(_, k)| k.clone())
            .collect();
        if tokens.is_empty() || self.rng.chance(35) {
            let token = format!("token{}", self.counter);
            let content = json!({
                "display_name": "someone",
                "key_validity_url": "https://id.example/validity",
                "public_key": self.keys[0].verify_key().to_base64(),
                "public_keys": [{"public_key": self.keys[1].verify_key().to_base64()}],
            });
            return self.draft("m.room.third_party_invite", Some(&token), &sender, content);
        }
        // An invite that claims the third-party invite.
        let token = self.rng.pick(&tokens);
        let invite_sender = self
            .current("m.room.third_party_invite", &token)
            .map(|e| e.sender().to_owned())
            .unwrap_or_default();
        let target = self.any_user();
        let mut crafted = false;
        let sender = if self.rng.chance(85) {
            invite_sender
        } else {
            crafted = true;
            sender
        };
        let mxid = if self.rng.chance(90) {
            target.clone()
        } else {
            crafted = true;
            self.any_user()
        };
        let token = if self.rng.chance(92) {
            token
        } else {
            crafted = true;
            "unknown-token".into()
        };
        let key = match self.rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => {
                crafted = true;
                2
            }
        };
        let mut signed = json!({"mxid": mxid, "token": token})
            .as_object()
            .cloned()
            .unwrap_or_default();
        sign_json(&mut signed, IDENTITY_SERVER, &self.keys[key]).expect("signable");
        let content = json!({
            "membership": "invite",
            "third_party_invite": {"display_name": "someone", "signed": signed},
        });
        let mut draft = self.draft("m.room.member", Some(&target), &sender, content);
        draft.crafted = crafted;
        draft
    }

    fn redaction(&mut self) -> Draft {
        let sender = self.joined_or_any(90);
        let index = self.rng.below(self.events.len());
        let target = self.events[index].event_id().to_owned();
        let target = if self.rng.chance(10) {
            "$unknown:z.example".to_owned()
        } else {
            target
        };
        let mut content = json!({"reason": "spam"});
        if self.version.redacts_in_content {
            content["redacts"] = json!(target);
        }
        let mut draft = self.draft("m.room.redaction", None, &sender, content);
        draft.redacts = Some(target);
        draft
    }

    fn aliases(&mut self) -> Draft {
        let sender = self.joined_or_any(85);
        let domain = sender
            .split_once(':')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        let state_key = match self.rng.below(4) {
            0 | 1 => domain,
            2 => "other.example".to_owned(),
            _ => String::new(),
        };
        self.draft(
            "m.room.aliases",
            Some(&state_key),
            &sender,
            json!({"aliases": ["#a:a.example"]}),
        )
    }

    fn extra_create(&mut self) -> Draft {
        let mut content = json!({"creator": ALICE, "room_version": self.version.id});
        let mut sender = ALICE;
        match self.rng.below(6) {
            0 => content["room_version"] = json!("99"),
            1 => content["room_version"] = json!(12),
            2 if self.is_v12() => content["additional_creators"] = json!(["not a user"]),
            2 => sender = USERS[1],
            3 if self.version.creator == CreatorRule::ContentCreator => {
                content = json!({"room_version": self.version.id});
            }
            _ => {}
        }
        let mut draft = self.draft("m.room.create", Some(""), sender, content);
        draft.crafted = true;
        draft
    }

    /// The auth events an honest server would pick from `state`.
    fn select(&self, event: &PduEvent, state: &State) -> Vec<String> {
        auth_types_for_event(self.version, event)
            .iter()
            .filter(|(t, _)| !(self.is_v12() && *t == "m.room.create"))
            .filter_map(|(t, k)| state.get(&(t.to_owned(), k.to_owned())).cloned())
            .collect()
    }

    fn pdu(&self, draft: &Draft, prev: &[String], auth: &[String], room_id: &str) -> JsonObject {
        let is_create = draft.event_type == "m.room.create";
        let mut pdu = json!({
            "type": draft.event_type,
            "sender": draft.sender,
            "content": draft.content,
            "prev_events": prev,
            "auth_events": auth,
            "depth": self.events.len() as i64 + 1,
            "origin_server_ts": self.ts,
            "hashes": {"sha256": "AAAA"},
            "signatures": {},
        });
        if !(is_create && self.is_v12()) {
            pdu["room_id"] = json!(room_id);
        }
        if let Some(state_key) = &draft.state_key {
            pdu["state_key"] = json!(state_key);
        }
        if let Some(redacts) = &draft.redacts {
            if !self.version.redacts_in_content {
                pdu["redacts"] = json!(redacts);
            }
        }
        if self.version.event_id_format == EventIdFormat::ServerAssigned {
            let domain = draft.sender.split_once(':').map_or("a.example", |(_, d)| d);
            pdu["event_id"] = json!(format!("$e{}:{domain}", self.counter));
        }
        match pdu {
            Value::Object(map) => map,
            _ => JsonObject::new(),
        }
    }

    fn add(&mut self, mut draft: Draft) {
        self.counter += 1;
        self.ts += 1;
        let is_create = draft.event_type == "m.room.create";
        let first_create = is_create && self.events.is_empty();
        let prev: Vec<String> = match self.events.last() {
            None => vec![],
            Some(_) if is_create && !first_create && self.rng.chance(60) => vec![],
            Some(last) if !self.in_setup && self.rng.chance(5) => {
                let index = self.rng.below(self.events.len());
                let other = self.events[index].event_id().to_owned();
                vec![last.event_id().to_owned(), other]
            }
            Some(last) => vec![last.event_id().to_owned()],
        };
        let mut room_id = self.room_id.clone();
        if self.version.room_id_format != RoomIdFormat::CreateEventHash
            && !is_create
            && !self.in_setup
            && self.rng.chance(2)
        {
            room_id = "!elsewhere:a.example".into();
            draft.crafted = true;
        }

        // Honest auth events, then sometimes a crafted variation.
        let probe = PduEvent::new(self.pdu(&draft, &prev, &[], &room_id), self.version)
            .expect("generated events are well-formed");
        let mut auth = if is_create {
            vec![]
        } else {
            self.select(&probe, &self.state)
        };
        if !is_create && !self.in_setup && self.rng.chance(14) {
            draft.crafted = true;
            self.mutate_auth(&probe, &mut auth);
        }
        let pdu = self.pdu(&draft, &prev, &auth, &room_id);
        let event =
            PduEvent::new(pdu.clone(), self.version).expect("generated events are well-formed");
        let id = event.event_id().to_owned();
        debug_assert_eq!(
            event_id(&pdu, self.version).ok().as_deref(),
            Some(id.as_str())
        );

        let mut outside = Vec::new();
        let verdict = {
            let fetch = |id: &str| self.by_id.get(id).map(|&i| &self.events[i]);
            let mut nested: BTreeMap<String, BTreeMap<String, &PduEvent>> = BTreeMap::new();
            for ((t, k), id) in &self.state {
                nested
                    .entry(t.clone())
                    .or_default()
                    .insert(k.clone(), &self.events[self.by_id[id]]);
            }
            let state = (!first_create).then_some(&nested);
            if let Some(state) = state {
                outside = keys_outside_auth_types(self.version, &event, state);
            }
            check_event(self.version, &event, fetch, state)
        };

        self.keys_outside_auth_types.extend(outside);
        let mut json_event = pdu;
        json_event.insert("event_id".into(), json!(id));
        let mut check = json!({"event": id});
        if !first_create {
            check["state"] = state_json(&self.state);
        }
        self.checks.push(check);
        if verdict.is_err() {
            json_event.insert("rejected".into(), json!(true));
        }
        self.json_events.push(Value::Object(json_event));
        self.verdicts
            .push((id.clone(), verdict.clone(), draft.crafted));

        let event = event.with_rejected(verdict.is_err());
        self.by_id.insert(id.clone(), self.events.len());
        self.events.push(event);
        if self.counter % 8 == 0 {
            self.snapshots.push(self.state.clone());
        }
        if verdict.is_ok() && (first_create || !is_create) {
            if let Some(state_key) = &draft.state_key {
                self.state
                    .insert((draft.event_type.clone(), state_key.clone()), id);
            }
        }
        if first_create && self.is_v12() {
            self.room_id = format!("!{}", &self.events[0].event_id()[1..]);
        }
    }

    fn mutate_auth(&mut self, probe: &PduEvent, auth: &mut Vec<String>) {
        match self.rng.below(8) {
            0 => {
                if self.is_v12() {
                    let create = self.events[0].event_id().to_owned();
                    auth.push(create);
                } else {
                    auth.retain(|id| self.events[self.by_id[id]].event_type() != "m.room.create");
                }
            }
            1 => {
                if let Some(id) = self.state.get(&("m.room.topic".into(), String::new())) {
                    auth.push(id.clone());
                } else if let Some(id) =
                    self.state.get(&("m.room.join_rules".into(), String::new()))
                {
                    auth.push(id.clone());
                }
            }
            2 => {
                // A second event for a key already present.
                let keys: Vec<(String, String)> = auth
                    .iter()
                    .map(|id| {
                        let e = &self.events[self.by_id[id]];
                        (
                            e.event_type().to_owned(),
                            e.state_key().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                let other = self.events.iter().rev().find(|e| {
                    !e.rejected()
                        && !auth.iter().any(|id| id == e.event_id())
                        && keys.iter().any(|(t, k)| e.is(t, k))
                });
                if let Some(other) = other {
                    auth.push(other.event_id().to_owned());
                }
            }
            3 => {
                let types = auth_types_for_event(self.version, probe);
                let rejected = self.events.iter().rev().find(|e| {
                    e.rejected()
                        && e.state_key()
                            .is_some_and(|k| types.contains(e.event_type(), k))
                });
                if let Some(rejected) = rejected {
                    let key = (
                        rejected.event_type().to_owned(),
                        rejected.state_key().unwrap_or_default().to_owned(),
                    );
                    let id = rejected.event_id().to_owned();
                    auth.retain(|a| {
                        let e = &self.events[self.by_id[a]];
                        !e.is(&key.0, &key.1)
                    });
                    auth.push(id);
                }
            }
            4 | 5 => {
                if !self.snapshots.is_empty() {
                    let snapshot = self.rng.pick(&self.snapshots);
                    *auth = self.select(probe, &snapshot);
                }
            }
            6 => {
                let sender = probe.sender().to_owned();
                auth.retain(|id| !self.events[self.by_id[id]].is("m.room.member", &sender));
            }
            _ => auth.push("$unknown-auth-event:z.example".into()),
        }
    }
}

fn state_json(state: &State) -> Value {
    let mut out: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for ((t, k), id) in state {
        out.entry(t).or_default().insert(k, id);
    }
    json!(out)
}
