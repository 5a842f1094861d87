"""Users and the User section: fields, the service, Direct Email verification."""
