"""The sections of User Setup: each a Qt-free module with the same protocol, in one registry."""
