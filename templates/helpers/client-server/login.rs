impl crate::session::login::Request {
    /// Logs in with a user ID (or localpart) and a password.
    pub fn password(user: impl Into<String>, password: impl Into<String>) -> Self {
        let mut login = crate::session::login::Password::new(password.into());
        login.identifier = Some(crate::types::UserIdentifier::user(user));
        Self::new(crate::session::login::LoginInfo::Password(login))
    }

    /// Logs in with a login token (from `m.login.token` or single sign-on).
    pub fn token(token: impl Into<String>) -> Self {
        Self::new(crate::session::login::LoginInfo::Token(
            crate::session::login::Token::new(token.into()),
        ))
    }
}
