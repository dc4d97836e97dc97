impl crate::types::RoomMessageTextEventContent {
    /// A plain text message.
    pub fn plain(body: impl Into<String>) -> Self {
        Self::new(body.into())
    }
}

impl crate::types::RoomMessageNoticeEventContent {
    /// A plain text notice (a message from a bot).
    pub fn plain(body: impl Into<String>) -> Self {
        Self::new(body.into())
    }
}

impl crate::types::RoomMessageEventContent {
    /// A plain text message.
    pub fn text_plain(body: impl Into<String>) -> Self {
        crate::types::RoomMessageEventContent::Text(
            crate::types::RoomMessageTextEventContent::plain(body),
        )
    }

    /// A plain text notice (a message from a bot).
    pub fn notice_plain(body: impl Into<String>) -> Self {
        crate::types::RoomMessageEventContent::Notice(
            crate::types::RoomMessageNoticeEventContent::plain(body),
        )
    }
}
