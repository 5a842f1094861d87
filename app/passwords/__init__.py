"""Passwords: hashing, the company policy, setting one, and forgotten-password recovery."""
