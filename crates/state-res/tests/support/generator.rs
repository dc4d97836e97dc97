//! A seeded generator of random rooms for the state resolution cross-check: forks (from tips
//! and from older events), merges of two or three branches, power level changes, bans, kicks,
//! unbans, joins, invites, knocks, restricted joins, join rule changes, redactions, topics and
//! messages; some events crafted to be rejected (no power, not joined) and some authorised by
//! stale auth events (an older state of their branch), as servers with a partial view send.
//!
//! Each event's state before is computed with this crate (a merge resolves its parents'
//! states), and each event is checked with `matrix-auth-rules` and marked rejected if it fails.
//! Events carry their real IDs as labels, written as the oracle builds them, so the oracle
//! computes the same IDs.

use std::collections::{BTreeMap, HashMap};

use matrix_auth_rules::{Event, PduEvent, auth_types_for_event, check_event};
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::{CreatorRule, EventIdFormat, RoomIdFormat};
use matrix_state_res::{StateMap, resolve_with_stats};
use matrix_test_support::Rng;
use serde_json::{Value, json};

const USERS: [&str; 8] = [
    "@alice:a.example",
    "@bob:b.example",
    "@carol:a.example",
    "@dave:c.example",
    "@erin:b.example",
    "@frank:c.example",
    "@gina:a.example",
    "@hank:d.example",
];
const ALICE: &str = USERS[0];

/// A generated room in the oracle's format (query: the state after the last event).
pub struct GeneratedRoom {
    pub version: &'static RoomVersion,
    pub json: Value,
    /// The same events with a `state_sets` query: the states after two or three random events,
    /// some entries replaced by rejected events of the same key.
    pub sets_json: Value,
    pub events: usize,
    pub merges: usize,
    /// Conflicted state keys summed over the generator's merges.
    pub conflicted_keys: usize,
}

struct Branch {
    tip: String,
    history: Vec<String>,
}

struct Generator<'r> {
    rng: &'r mut Rng,
    version: &'static RoomVersion,
    room_id: String,
    events: HashMap<String, PduEvent>,
    json_events: Vec<Value>,
    after: HashMap<String, StateMap>,
    branches: Vec<Branch>,
    counter: i64,
    merges: usize,
    conflicted_keys: usize,
}

struct Draft {
    event_type: &'static str,
    state_key: Option<String>,
    sender: String,
    content: Value,
    redacts: Option<String>,
}

fn draft(event_type: &'static str, state_key: Option<&str>, sender: &str, content: Value) -> Draft {
    Draft {
        event_type,
        state_key: state_key.map(str::to_owned),
        sender: sender.to_owned(),
        content,
        redacts: None,
    }
}

/// Generates a room of about `size` events.
pub fn generate(
    rng: &mut Rng,
    version: &'static RoomVersion,
    size: usize,
    index: usize,
) -> GeneratedRoom {
    let mut generator = Generator {
        rng,
        version,
        room_id: format!("!rand{index}:a.example"),
        events: HashMap::new(),
        json_events: Vec::new(),
        after: HashMap::new(),
        branches: Vec::new(),
        counter: 0,
        merges: 0,
        conflicted_keys: 0,
    };
    generator.setup();
    while generator.json_events.len() < size {
        generator.step();
    }
    // Finally merge every branch, so that the last event's state resolves them all.
    if generator.branches.len() > 1 {
        let prevs: Vec<String> = generator.branches.iter().map(|b| b.tip.clone()).collect();
        generator.merges += 1;
        let before = generator.state_from(&prevs);
        let message = draft("m.room.message", None, ALICE, json!({"body": "merge"}));
        generator.add(0, prevs, before, message, None);
    }
    let last = generator
        .json_events
        .last()
        .and_then(|e| e["event_id"].as_str())
        .unwrap_or("")
        .to_owned();
    let json = json!({
        "_source": "matrix-state-res tests/support/generator.rs",
        "room_version": version.id,
        "room_id": generator.room_id,
        "events": generator.json_events,
        "state_after": last,
    });
    let sets_json = json!({
        "_source": "matrix-state-res tests/support/generator.rs",
        "room_version": version.id,
        "room_id": generator.room_id,
        "events": generator.json_events,
        "state_sets": generator.random_state_sets(),
    });
    GeneratedRoom {
        version,
        json,
        sets_json,
        events: generator.events.len(),
        merges: generator.merges,
        conflicted_keys: generator.conflicted_keys,
    }
}

impl Generator<'_> {
    fn random_state_sets(&mut self) -> Vec<Value> {
        let ids: Vec<String> = self
            .json_events
            .iter()
            .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
            .collect();
        let mut rejected: Vec<(String, String, String)> = self
            .events
            .values()
            .filter(|e| e.rejected())
            .filter_map(|e| {
                let key = e.state_key()?.to_owned();
                Some((e.event_type().to_owned(), key, e.event_id().to_owned()))
            })
            .collect();
        rejected.sort();
        let count = 2 + usize::from(self.rng.chance(30));
        let mut sets = Vec::new();
        for _ in 0..count {
            // Mostly late events, so that the states are large.
            let index = ids.len() - 1 - self.rng.below(ids.len().min(40));
            let mut state = self.after[&ids[index]].clone();
            if !rejected.is_empty() && self.rng.chance(40) {
                let (event_type, state_key, id) = self.rng.pick(&rejected);
                state.insert((event_type, state_key), id);
            }
            let mut nested: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for ((t, k), id) in state {
                nested.entry(t).or_default().insert(k, id);
            }
            sets.push(json!(nested));
        }
        sets
    }

    fn is_v12(&self) -> bool {
        self.version.room_id_format == RoomIdFormat::CreateEventHash
    }

    fn setup(&mut self) {
        let mut create = json!({"room_version": self.version.id});
        if self.version.creator == CreatorRule::ContentCreator || self.rng.chance(30) {
            create["creator"] = json!(ALICE);
        }
        if self.is_v12() && self.rng.chance(40) {
            create["additional_creators"] = json!([USERS[1]]);
        }
        self.branches.push(Branch {
            tip: String::new(),
            history: Vec::new(),
        });
        self.extend(0, draft("m.room.create", Some(""), ALICE, create), None);
        self.extend(
            0,
            draft(
                "m.room.member",
                Some(ALICE),
                ALICE,
                json!({"membership": "join"}),
            ),
            None,
        );
        let mut users = serde_json::Map::new();
        if !self.is_v12() {
            users.insert(ALICE.into(), json!(100));
        }
        if !self.creators().contains(&USERS[1].to_owned()) {
            users.insert(USERS[1].into(), json!(self.rng.pick(&[50, 100])));
        }
        users.insert(USERS[2].into(), json!(50));
        let pl = json!({"users": users, "users_default": 0, "state_default": 50, "events_default": 0,
                        "ban": 50, "kick": 50, "redact": 50, "invite": 0});
        self.extend(0, draft("m.room.power_levels", Some(""), ALICE, pl), None);
        let rule = if self.version.restricted_join_rule && self.rng.chance(25) {
            "restricted"
        } else if self.rng.chance(80) {
            "public"
        } else {
            "invite"
        };
        self.extend(
            0,
            draft(
                "m.room.join_rules",
                Some(""),
                ALICE,
                json!({"join_rule": rule}),
            ),
            None,
        );
        for user in &USERS[1..5] {
            self.extend(
                0,
                draft(
                    "m.room.member",
                    Some(user),
                    user,
                    json!({"membership": "join"}),
                ),
                None,
            );
        }
    }

    fn creators(&self) -> Vec<String> {
        let mut creators = vec![ALICE.to_owned()];
        if self.is_v12() {
            if let Some(create) = self.json_events.first() {
                if let Some(extra) = create["content"]["additional_creators"].as_array() {
                    creators.extend(extra.iter().filter_map(|v| v.as_str().map(str::to_owned)));
                }
            }
        }
        creators
    }

    fn state_from(&mut self, prevs: &[String]) -> StateMap {
        let sets: Vec<StateMap> = prevs
            .iter()
            .filter_map(|p| self.after.get(p).cloned())
            .collect();
        let (state, stats) =
            resolve_with_stats(self.version, &sets, &self.events).expect("generated rooms resolve");
        self.conflicted_keys += stats.conflicted_keys;
        state.to_state_map()
    }

    fn step(&mut self) {
        let roll = self.rng.below(100);
        if roll < 10 && self.branches.len() >= 2 {
            // Merge two (sometimes three) branches into the first.
            let mut chosen = vec![self.rng.below(self.branches.len())];
            let count = 2 + usize::from(self.branches.len() > 2 && self.rng.chance(25));
            while chosen.len() < count {
                let other = self.rng.below(self.branches.len());
                if !chosen.contains(&other) {
                    chosen.push(other);
                }
            }
            let prevs: Vec<String> = chosen
                .iter()
                .map(|&b| self.branches[b].tip.clone())
                .collect();
            self.merges += 1;
            let before = self.state_from(&prevs);
            let target = chosen[0];
            let draft = self.action(&before);
            self.add(target, prevs, before, draft, None);
            // The merged-in branches end (sometimes one carries on from its old tip).
            let mut ended: Vec<usize> = chosen[1..].to_vec();
            if self.rng.chance(30) {
                ended.pop();
            }
            ended.sort_unstable();
            for branch in ended.into_iter().rev() {
                self.branches.remove(branch);
            }
        } else if roll < 18 && self.branches.len() < 4 {
            // Fork from a recent event of some branch.
            let from = self.rng.below(self.branches.len());
            let history = &self.branches[from].history;
            let back = self.rng.below(history.len().min(8));
            let start = history[history.len() - 1 - back].clone();
            let prefix = history[..history.len() - back].to_vec();
            self.branches.push(Branch {
                tip: start,
                history: prefix,
            });
            let branch = self.branches.len() - 1;
            let draft = self.action(&self.after[&self.branches[branch].tip].clone());
            self.extend(branch, draft, None);
        } else {
            let branch = self.rng.below(self.branches.len());
            let stale = self.rng.chance(10).then(|| {
                let history = &self.branches[branch].history;
                let back = 1 + self.rng.below(history.len().clamp(1, 8));
                history[history.len().saturating_sub(back)].clone()
            });
            let before = self.after[&self.branches[branch].tip].clone();
            let draft = self.action(&before);
            self.extend(branch, draft, stale);
        }
    }

    fn extend(&mut self, branch: usize, draft: Draft, stale: Option<String>) {
        let tip = self.branches[branch].tip.clone();
        let (prevs, before) = if tip.is_empty() {
            (vec![], StateMap::new())
        } else {
            (vec![tip.clone()], self.after[&tip].clone())
        };
        self.add(branch, prevs, before, draft, stale);
    }

    fn membership(
        state: &StateMap,
        events: &HashMap<String, PduEvent>,
        user: &str,
    ) -> Option<String> {
        let id = state.get(&("m.room.member".to_owned(), user.to_owned()))?;
        events.get(id)?.membership().map(str::to_owned)
    }

    fn users_with(&self, state: &StateMap, membership: &str) -> Vec<String> {
        USERS
            .iter()
            .filter(|u| Self::membership(state, &self.events, u).as_deref() == Some(membership))
            .map(|u| (*u).to_owned())
            .collect()
    }

    fn pick_from(&mut self, users: &[String], fallback_percent: u64) -> String {
        if users.is_empty() || self.rng.chance(fallback_percent) {
            self.rng.pick(&USERS).to_owned()
        } else {
            self.rng.pick(users)
        }
    }

    fn current_content(&self, state: &StateMap, event_type: &str) -> Value {
        state
            .get(&(event_type.to_owned(), String::new()))
            .and_then(|id| self.events.get(id))
            .map(|e| Value::Object(e.content().clone()))
            .unwrap_or_else(|| json!({}))
    }

    /// An event to send on top of `state`.
    fn action(&mut self, state: &StateMap) -> Draft {
        let joined = self.users_with(state, "join");
        let powerful: Vec<String> = {
            let pl = self.current_content(state, "m.room.power_levels");
            let mut users: Vec<String> = joined
                .iter()
                .filter(|u| {
                    pl["users"][u.as_str()].as_i64().unwrap_or(0) >= 50
                        || self.creators().contains(u)
                })
                .cloned()
                .collect();
            users.sort();
            users
        };
        let roll = self.rng.below(100);
        let n = self.counter;
        match roll {
            0..=17 => {
                let sender = self.pick_from(&joined, 8);
                draft(
                    "m.room.message",
                    None,
                    &sender,
                    json!({"msgtype": "m.text", "body": format!("m{n}")}),
                )
            }
            18..=27 => {
                let sender = self.pick_from(&joined, 10);
                let (event_type, field) = self
                    .rng
                    .pick(&[("m.room.topic", "topic"), ("m.room.name", "name")]);
                draft(
                    event_type,
                    Some(""),
                    &sender,
                    json!({ field: format!("{field} {n}") }),
                )
            }
            28..=41 => {
                let invited = self.users_with(state, "invite");
                let banned = self.users_with(state, "ban");
                let outsiders: Vec<String> = USERS
                    .iter()
                    .map(|u| (*u).to_owned())
                    .filter(|u| !joined.contains(u) && !banned.contains(u))
                    .collect();
                let user = if !invited.is_empty() && self.rng.chance(50) {
                    self.rng.pick(&invited)
                } else {
                    self.pick_from(&outsiders, 10)
                };
                let mut content = json!({"membership": "join"});
                if self.version.restricted_join_rule && self.rng.chance(40) {
                    let authoriser = self.pick_from(&powerful, 20);
                    content["join_authorised_via_users_server"] = json!(authoriser);
                }
                if self.rng.chance(20) {
                    content["displayname"] = json!(format!("d{n}"));
                }
                draft("m.room.member", Some(&user), &user, content)
            }
            42..=47 => {
                let leavers: Vec<String> = joined.iter().filter(|u| *u != ALICE).cloned().collect();
                let user = self.pick_from(&leavers, 10);
                draft(
                    "m.room.member",
                    Some(&user),
                    &user,
                    json!({"membership": "leave"}),
                )
            }
            48..=53 => {
                let sender = self.pick_from(&powerful, 25);
                let others: Vec<String> = joined.iter().filter(|u| *u != ALICE).cloned().collect();
                let target = self.pick_from(&others, 10);
                draft(
                    "m.room.member",
                    Some(&target),
                    &sender,
                    json!({"membership": "leave"}),
                )
            }
            54..=60 => {
                let sender = self.pick_from(&powerful, 25);
                let target = self.rng.pick(&USERS).to_owned();
                draft(
                    "m.room.member",
                    Some(&target),
                    &sender,
                    json!({"membership": "ban"}),
                )
            }
            61..=63 => {
                let banned = self.users_with(state, "ban");
                let sender = self.pick_from(&powerful, 20);
                let target = self.pick_from(&banned, 10);
                draft(
                    "m.room.member",
                    Some(&target),
                    &sender,
                    json!({"membership": "leave"}),
                )
            }
            64..=68 => {
                let sender = self.pick_from(&joined, 10);
                let banned = self.users_with(state, "ban");
                let outsiders: Vec<String> = USERS
                    .iter()
                    .map(|u| (*u).to_owned())
                    .filter(|u| !joined.contains(u) && !banned.contains(u))
                    .collect();
                let target = self.pick_from(&outsiders, 10);
                draft(
                    "m.room.member",
                    Some(&target),
                    &sender,
                    json!({"membership": "invite"}),
                )
            }
            69..=71 if self.version.knocking => {
                let user = self.rng.pick(&USERS).to_owned();
                draft(
                    "m.room.member",
                    Some(&user),
                    &user,
                    json!({"membership": "knock"}),
                )
            }
            72..=85 => self.power_levels(state, &powerful, &joined),
            86..=91 => {
                let sender = self.pick_from(&powerful, 20);
                let mut rules = vec!["public", "invite"];
                if self.version.knocking {
                    rules.push("knock");
                }
                if self.version.restricted_join_rule {
                    rules.push("restricted");
                }
                if self.version.knock_restricted_join_rule {
                    rules.push("knock_restricted");
                }
                let rule = self.rng.pick(&rules);
                draft(
                    "m.room.join_rules",
                    Some(""),
                    &sender,
                    json!({"join_rule": rule}),
                )
            }
            92..=95 => {
                let sender = self.pick_from(&joined, 10);
                let ids: Vec<String> = self
                    .json_events
                    .iter()
                    .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
                    .collect();
                let target = self.rng.pick(&ids);
                let mut content = json!({"reason": "r"});
                if self.version.redacts_in_content {
                    content["redacts"] = json!(target);
                }
                let mut redaction = draft("m.room.redaction", None, &sender, content);
                redaction.redacts = Some(target);
                redaction
            }
            _ => {
                let sender = self.pick_from(&joined, 10);
                let key = if self.rng.chance(50) {
                    sender.clone()
                } else {
                    self.rng.pick(&USERS).to_owned()
                };
                draft("com.example.state", Some(&key), &sender, json!({"n": n}))
            }
        }
    }

    fn power_levels(&mut self, state: &StateMap, powerful: &[String], joined: &[String]) -> Draft {
        let sender = if self.rng.chance(45) && joined.iter().any(|u| u == ALICE) {
            ALICE.to_owned()
        } else {
            self.pick_from(powerful, 15)
        };
        let mut content = self.current_content(state, "m.room.power_levels");
        let creators = self.creators();
        for _ in 0..1 + self.rng.below(2) {
            match self.rng.below(6) {
                0..=2 => {
                    let user = self.pick_from(joined, 30);
                    if !(self.is_v12() && creators.contains(&user)) {
                        let level = self.rng.pick(&[0, 10, 25, 50, 75, 100]);
                        let value =
                            if !self.version.integer_only_power_levels && self.rng.chance(10) {
                                json!(level.to_string())
                            } else {
                                json!(level)
                            };
                        if !content["users"].is_object() {
                            content["users"] = json!({});
                        }
                        content["users"][user] = value;
                    }
                }
                3 => {
                    let name = self.rng.pick(&[
                        "ban",
                        "kick",
                        "invite",
                        "redact",
                        "state_default",
                        "users_default",
                    ]);
                    content[name] = json!(self.rng.pick(&[0, 25, 50, 75]));
                }
                4 => {
                    let event_type = self.rng.pick(&[
                        "m.room.topic",
                        "m.room.name",
                        "m.room.message",
                        "com.example.state",
                    ]);
                    if !content["events"].is_object() {
                        content["events"] = json!({});
                    }
                    content["events"][event_type] = json!(self.rng.pick(&[0, 50, 100]));
                }
                _ => {
                    let user = self.rng.pick(&USERS).to_owned();
                    if let Some(users) = content.get_mut("users").and_then(Value::as_object_mut) {
                        users.remove(&user);
                    }
                }
            }
        }
        draft("m.room.power_levels", Some(""), &sender, content)
    }

    fn add(
        &mut self,
        branch: usize,
        prevs: Vec<String>,
        before: StateMap,
        draft: Draft,
        stale: Option<String>,
    ) {
        self.counter += 1;
        let is_create = draft.event_type == "m.room.create";
        let depth = prevs
            .iter()
            .filter_map(|p| self.events.get(p))
            .map(|e| e.depth())
            .max()
            .unwrap_or(0)
            + 1;
        let ts = self.counter - self.rng.below(3) as i64;
        let mut pdu = json!({
            "type": draft.event_type,
            "sender": draft.sender,
            "content": draft.content,
            "prev_events": prevs,
            "auth_events": [],
            "depth": depth,
            "origin_server_ts": ts,
            "hashes": {"sha256": "AAAA"},
            "signatures": {},
        });
        if !(is_create && self.is_v12()) {
            pdu["room_id"] = json!(self.room_id);
        }
        if let Some(state_key) = &draft.state_key {
            pdu["state_key"] = json!(state_key);
        }
        if let (Some(redacts), false) = (&draft.redacts, self.version.redacts_in_content) {
            pdu["redacts"] = json!(redacts);
        }
        if self.version.event_id_format == EventIdFormat::ServerAssigned {
            let domain = draft.sender.split_once(':').map_or("a.example", |(_, d)| d);
            pdu["event_id"] = json!(format!("$g{}:{domain}", self.counter));
        }
        let Value::Object(mut pdu) = pdu else { return };

        // Auth events: from the state before, or from a stale state of the branch.
        let probe = PduEvent::new(pdu.clone(), self.version).expect("well-formed event");
        let source = stale
            .as_ref()
            .and_then(|id| self.after.get(id))
            .unwrap_or(&before);
        let auth: Vec<String> = auth_types_for_event(self.version, &probe)
            .iter()
            .filter(|(t, _)| !(self.is_v12() && *t == "m.room.create"))
            .filter_map(|(t, k)| source.get(&(t.to_owned(), k.to_owned())).cloned())
            .collect();
        pdu.insert("auth_events".into(), json!(auth));
        let event = PduEvent::new(pdu.clone(), self.version).expect("well-formed event");
        let id = event.event_id().to_owned();

        let verdict = {
            let fetch = |id: &str| self.events.get(id);
            let mut nested: BTreeMap<String, BTreeMap<String, &PduEvent>> = BTreeMap::new();
            for ((t, k), state_id) in &before {
                if let Some(state_event) = self.events.get(state_id) {
                    nested
                        .entry(t.clone())
                        .or_default()
                        .insert(k.clone(), state_event);
                }
            }
            check_event(
                self.version,
                &event,
                fetch,
                (!prevs_empty(&probe)).then_some(&nested),
            )
        };
        let mut after = before;
        if verdict.is_ok() {
            if let Some(state_key) = &draft.state_key {
                after.insert((draft.event_type.to_owned(), state_key.clone()), id.clone());
            }
        } else {
            pdu.insert("rejected".into(), json!(true));
        }
        pdu.insert("event_id".into(), json!(id));
        self.json_events.push(Value::Object(pdu));
        self.events
            .insert(id.clone(), event.with_rejected(verdict.is_err()));
        self.after.insert(id.clone(), after);
        if is_create && self.is_v12() {
            self.room_id = format!("!{}", &id[1..]);
        }
        let branch = &mut self.branches[branch];
        branch.tip = id.clone();
        branch.history.push(id);
    }
}

fn prevs_empty(event: &PduEvent) -> bool {
    event.prev_event_ids().next().is_none()
}
