"""Login Times: the rules of login hours and account expiry, and the section's service."""
