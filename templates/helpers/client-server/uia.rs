impl crate::types::AuthData {
    /// The `m.login.dummy` stage, for flows that need no credential.
    pub fn dummy(session: Option<String>) -> Self {
        let mut stage = crate::types::DummyAuth::new();
        stage.session = session;
        crate::types::AuthData::Dummy(stage)
    }

    /// The `m.login.password` stage.
    pub fn password(
        identifier: crate::types::UserIdentifier,
        password: impl Into<String>,
        session: Option<String>,
    ) -> Self {
        let mut stage = crate::types::PasswordAuth::new(identifier, password.into());
        stage.session = session;
        crate::types::AuthData::Password(stage)
    }
}
