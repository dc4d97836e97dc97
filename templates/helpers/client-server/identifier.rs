impl crate::types::UserIdentifier {
    /// A Matrix user, by user ID or localpart (`m.id.user`).
    pub fn user(user: impl Into<String>) -> Self {
        crate::types::UserIdentifier::User(crate::types::MatrixUserIdentifier::new(user.into()))
    }
}

impl From<&matrix_api_core::UserId> for crate::types::UserIdentifier {
    fn from(user_id: &matrix_api_core::UserId) -> Self {
        crate::types::UserIdentifier::user(user_id.as_str())
    }
}
