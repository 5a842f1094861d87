"""The Sign Off section's rules: the sign-off PIN, the screens needing an additional sign-off
and where a user's sign-off tasks go (issue 14)."""
