"""Two-factor sign-in: company rules, authenticator and recovery codes, the 2FA service."""
