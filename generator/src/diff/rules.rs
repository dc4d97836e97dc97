//! The rule table: every kind of change the diff reports, and whom it breaks.
//!
//! "Clients" are the side that sends a request (a client, or for the server-server,
//! application-service and push-gateway APIs, the calling server); "servers" the side that
//! answers it. A change **breaks clients** when a client written for the old version can
//! fail against a server that follows the new one, and **breaks servers** when a server
//! written for the old version can fail against clients that follow the new one. For
//! event schemas both the sender and the reader of an event are clients.
//!
//! Field rules follow from who writes and who reads a value: request fields are written by
//! clients and read by servers, response fields the other way round. A wider set of
//! values breaks the old readers; a narrower set breaks the old writers.

use std::fmt;

/// Who a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Impact {
    /// Clients written for the old version may fail.
    pub clients: bool,
    /// Servers written for the old version may fail.
    pub servers: bool,
}

impl Impact {
    /// Breaks nobody.
    pub const COMPATIBLE: Impact = Impact {
        clients: false,
        servers: false,
    };
    const CLIENTS: Impact = Impact {
        clients: true,
        servers: false,
    };
    const SERVERS: Impact = Impact {
        clients: false,
        servers: true,
    };
    const BOTH: Impact = Impact {
        clients: true,
        servers: true,
    };

    /// Whether it breaks anyone.
    pub fn is_breaking(self) -> bool {
        self.clients || self.servers
    }

    /// Both impacts together.
    pub fn union(self, other: Impact) -> Impact {
        Impact {
            clients: self.clients || other.clients,
            servers: self.servers || other.servers,
        }
    }

    /// The classification's stable name: `breaking-clients`, `breaking-servers`,
    /// `breaking-clients-and-servers` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match (self.clients, self.servers) {
            (true, true) => "breaking-clients-and-servers",
            (true, false) => "breaking-clients",
            (false, true) => "breaking-servers",
            (false, false) => "compatible",
        }
    }

    /// Who is broken, as a list (`["clients", "servers"]`).
    pub fn breaks(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.clients {
            out.push("clients");
        }
        if self.servers {
            out.push("servers");
        }
        out
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a field travels, which decides who writes and who reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Parameters, request headers and the request body: written by clients.
    Request,
    /// Response bodies and headers: written by servers.
    Response,
    /// Event schemas: written and read by clients.
    Event,
}

/// A change to one field, before the side decides its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldChange {
    /// An optional field appeared.
    Added,
    /// A required field appeared.
    RequiredAdded,
    /// The field is gone.
    Removed,
    /// Optional → required.
    BecameRequired,
    /// Required → optional.
    BecameOptional,
    /// The types admit other values than before, neither more nor fewer.
    TypeChanged,
    /// The types admit more values (a type, `null`, or any string where an enum was).
    TypeWidened,
    /// The types admit fewer values.
    TypeNarrowed,
    /// A string enum gained values.
    EnumValueAdded,
    /// A string enum lost values.
    EnumValueRemoved,
    /// One format was replaced by another.
    FormatChanged,
    /// A body can be sent as another media type.
    MediaTypeAdded,
    /// A body can no longer be sent as a media type.
    MediaTypeRemoved,
}

macro_rules! rules {
    ($( $(#[doc = $doc:literal])+ $name:ident => $impact:ident, )+) => {
        /// A named rule that classifies one change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( $(#[doc = $doc])+ $name, )+
        }

        impl Rule {
            /// Every rule, in table order.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)+];

            /// Whom changes under this rule break.
            pub fn impact(self) -> Impact {
                match self {
                    $(Rule::$name => Impact::$impact,)+
                }
            }

            /// The rule's name (`RequestFieldBecameRequired`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$name => stringify!($name),)+
                }
            }

            /// The rule's explanation (its doc comment).
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Rule::$name => concat!($($doc),+).trim_ascii_start(),)+
                }
            }
        }
    };
}

rules! {
    /// A new operation: old clients do not call it.
    OperationAdded => COMPATIBLE,
    /// The operation is gone: clients that call it get an error.
    OperationRemoved => CLIENTS,
    /// The operation is now deprecated; it still works.
    OperationDeprecated => COMPATIBLE,
    /// The operation is no longer deprecated.
    OperationUndeprecated => COMPATIBLE,
    /// Calling without authentication is no longer allowed: anonymous clients are refused.
    AuthBecameRequired => CLIENTS,
    /// Calling without authentication is now allowed: old servers refuse such calls.
    AuthBecameOptional => SERVERS,
    /// A new way to authenticate: old servers do not accept it.
    AuthMethodAdded => SERVERS,
    /// A way to authenticate is gone: clients using it are refused.
    AuthMethodRemoved => CLIENTS,
    /// A new 2xx/3xx status: old clients do not expect it.
    SuccessStatusAdded => CLIENTS,
    /// A 2xx/3xx status is gone: new clients do not expect it from old servers.
    SuccessStatusRemoved => SERVERS,
    /// A new documented error status; clients must handle unlisted errors already.
    ErrorStatusAdded => COMPATIBLE,
    /// An error status is no longer documented.
    ErrorStatusRemoved => COMPATIBLE,
    /// An `x-changedInMatrixVersion` / `x-addedInMatrixVersion` note for a version in the
    /// range, where the schemas show no change: the change is in behaviour or prose.
    DocumentedChange => COMPATIBLE,
    /// The field is now deprecated; it still works.
    FieldDeprecated => COMPATIBLE,
    /// The field is no longer deprecated.
    FieldUndeprecated => COMPATIBLE,
    /// A format now names the grammar of values the field already carried
    /// (`string` → `string:mx-user-id`); the JSON type is unchanged.
    FormatAnnotated => COMPATIBLE,
    /// A format annotation was dropped; the JSON type is unchanged.
    FormatDropped => COMPATIBLE,
    /// A new optional request field: old clients do not send it, old servers ignore it.
    RequestFieldAdded => COMPATIBLE,
    /// A new required request field: old clients do not send it, and old servers do not
    /// read what new clients must send.
    RequestRequiredFieldAdded => BOTH,
    /// A request field is gone: the server no longer reads what clients send in it.
    RequestFieldRemoved => CLIENTS,
    /// A request field became required: old clients may omit it.
    RequestFieldBecameRequired => CLIENTS,
    /// A request field became optional: old servers may need it.
    RequestFieldBecameOptional => SERVERS,
    /// A request field's type changed: neither side understands the other's values.
    RequestTypeChanged => BOTH,
    /// A request field admits more values (a type, `null`, any string): old servers may
    /// reject what new clients send.
    RequestTypeWidened => SERVERS,
    /// A request field admits fewer values: old clients may send what is now rejected.
    RequestTypeNarrowed => CLIENTS,
    /// A request enum gained values: old servers do not know them.
    RequestEnumValueAdded => SERVERS,
    /// A request enum lost values: old clients may still send them.
    RequestEnumValueRemoved => CLIENTS,
    /// A request field's format changed from one to another (`uri` → `mx-mxc-uri`):
    /// values of one grammar need not be values of the other.
    RequestFormatChanged => BOTH,
    /// The request body may be sent as a new media type: old servers do not accept it.
    RequestMediaTypeAdded => SERVERS,
    /// A request media type is gone: old clients may still send it.
    RequestMediaTypeRemoved => CLIENTS,
    /// A new optional response field: old clients ignore it.
    ResponseFieldAdded => COMPATIBLE,
    /// A new required response field (or body, or header): old servers do not send it.
    ResponseRequiredFieldAdded => SERVERS,
    /// A response field is gone: clients that read it miss it.
    ResponseFieldRemoved => CLIENTS,
    /// A response field became required: old servers may omit it.
    ResponseFieldBecameRequired => SERVERS,
    /// A response field became optional: old clients may rely on it.
    ResponseFieldBecameOptional => CLIENTS,
    /// A response field's type changed: neither side understands the other's values.
    ResponseTypeChanged => BOTH,
    /// A response field admits more values: old clients may not understand them.
    ResponseTypeWidened => CLIENTS,
    /// A response field admits fewer values: old servers may send what new clients reject.
    ResponseTypeNarrowed => SERVERS,
    /// A response enum gained values: exhaustive old clients do not know them.
    ResponseEnumValueAdded => CLIENTS,
    /// A response enum lost values: old servers may still send them.
    ResponseEnumValueRemoved => SERVERS,
    /// A response field's format changed from one to another (`uri` → `mx-mxc-uri`):
    /// values of one grammar need not be values of the other.
    ResponseFormatChanged => BOTH,
    /// A response may come as a new media type: old clients may not handle it.
    ResponseMediaTypeAdded => CLIENTS,
    /// A response media type is gone: old servers may still send it.
    ResponseMediaTypeRemoved => SERVERS,
    /// A new event type: old clients ignore events they do not know.
    EventAdded => COMPATIBLE,
    /// An event type is gone from the spec: clients that send or read it are affected.
    EventRemoved => CLIENTS,
    /// A new optional event field: old clients ignore it.
    EventFieldAdded => COMPATIBLE,
    /// A new required event field: events from old clients lack it.
    EventRequiredFieldAdded => CLIENTS,
    /// An event field is gone: clients that read it miss it.
    EventFieldRemoved => CLIENTS,
    /// An event field became required: events from old clients may lack it.
    EventFieldBecameRequired => CLIENTS,
    /// An event field became optional: old clients may rely on it.
    EventFieldBecameOptional => CLIENTS,
    /// An event field's type changed: senders and readers disagree.
    EventTypeChanged => CLIENTS,
    /// An event field admits more values: old readers may not understand them.
    EventTypeWidened => CLIENTS,
    /// An event field admits fewer values: events from old clients may be rejected.
    EventTypeNarrowed => CLIENTS,
    /// An event enum gained values: exhaustive old readers do not know them.
    EventEnumValueAdded => CLIENTS,
    /// An event enum lost values: old clients may still send them.
    EventEnumValueRemoved => CLIENTS,
    /// An event field's format changed from one to another: values of one grammar need
    /// not be values of the other.
    EventFormatChanged => CLIENTS,
}

impl Rule {
    /// The rule for a field change on one side.
    pub fn for_field(side: Side, change: FieldChange) -> Rule {
        use FieldChange as C;
        match (side, change) {
            (Side::Request, C::Added) => Rule::RequestFieldAdded,
            (Side::Request, C::RequiredAdded) => Rule::RequestRequiredFieldAdded,
            (Side::Request, C::Removed) => Rule::RequestFieldRemoved,
            (Side::Request, C::BecameRequired) => Rule::RequestFieldBecameRequired,
            (Side::Request, C::BecameOptional) => Rule::RequestFieldBecameOptional,
            (Side::Request, C::TypeChanged) => Rule::RequestTypeChanged,
            (Side::Request, C::TypeWidened) => Rule::RequestTypeWidened,
            (Side::Request, C::TypeNarrowed) => Rule::RequestTypeNarrowed,
            (Side::Request, C::EnumValueAdded) => Rule::RequestEnumValueAdded,
            (Side::Request, C::EnumValueRemoved) => Rule::RequestEnumValueRemoved,
            (Side::Request, C::FormatChanged) => Rule::RequestFormatChanged,
            (Side::Request, C::MediaTypeAdded) => Rule::RequestMediaTypeAdded,
            (Side::Request, C::MediaTypeRemoved) => Rule::RequestMediaTypeRemoved,
            (Side::Response, C::Added) => Rule::ResponseFieldAdded,
            (Side::Response, C::RequiredAdded) => Rule::ResponseRequiredFieldAdded,
            (Side::Response, C::Removed) => Rule::ResponseFieldRemoved,
            (Side::Response, C::BecameRequired) => Rule::ResponseFieldBecameRequired,
            (Side::Response, C::BecameOptional) => Rule::ResponseFieldBecameOptional,
            (Side::Response, C::TypeChanged) => Rule::ResponseTypeChanged,
            (Side::Response, C::TypeWidened) => Rule::ResponseTypeWidened,
            (Side::Response, C::TypeNarrowed) => Rule::ResponseTypeNarrowed,
            (Side::Response, C::EnumValueAdded) => Rule::ResponseEnumValueAdded,
            (Side::Response, C::EnumValueRemoved) => Rule::ResponseEnumValueRemoved,
            (Side::Response, C::FormatChanged) => Rule::ResponseFormatChanged,
            (Side::Response, C::MediaTypeAdded) => Rule::ResponseMediaTypeAdded,
            (Side::Response, C::MediaTypeRemoved) => Rule::ResponseMediaTypeRemoved,
            (Side::Event, C::Added) => Rule::EventFieldAdded,
            (Side::Event, C::RequiredAdded) => Rule::EventRequiredFieldAdded,
            (Side::Event, C::Removed) => Rule::EventFieldRemoved,
            (Side::Event, C::BecameRequired) => Rule::EventFieldBecameRequired,
            (Side::Event, C::BecameOptional) => Rule::EventFieldBecameOptional,
            (Side::Event, C::TypeChanged) => Rule::EventTypeChanged,
            (Side::Event, C::TypeWidened | C::MediaTypeAdded) => Rule::EventTypeWidened,
            (Side::Event, C::TypeNarrowed | C::MediaTypeRemoved) => Rule::EventTypeNarrowed,
            (Side::Event, C::EnumValueAdded) => Rule::EventEnumValueAdded,
            (Side::Event, C::EnumValueRemoved) => Rule::EventEnumValueRemoved,
            (Side::Event, C::FormatChanged) => Rule::EventFormatChanged,
        }
    }

    /// The rule table as Markdown (rule, classification, explanation), as docs/diff.md
    /// shows it.
    pub fn markdown_table() -> String {
        let mut out = String::from("| rule | classification | why |\n| --- | --- | --- |\n");
        for rule in Rule::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                rule.name(),
                rule.impact(),
                rule.explanation()
            ));
        }
        out
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_examples_hold() {
        assert_eq!(
            Rule::RequestFieldBecameRequired.impact().as_str(),
            "breaking-clients"
        );
        assert_eq!(
            Rule::ResponseFieldRemoved.impact().as_str(),
            "breaking-clients"
        );
        assert!(Rule::RequestRequiredFieldAdded.impact().servers);
        assert_eq!(
            Rule::ResponseEnumValueAdded.impact().as_str(),
            "breaking-clients"
        );
    }

    #[test]
    fn explanations_are_the_doc_comments() {
        assert_eq!(
            Rule::OperationAdded.explanation(),
            "A new operation: old clients do not call it."
        );
        assert!(Rule::ALL.iter().all(|r| !r.explanation().is_empty()));
    }
}
