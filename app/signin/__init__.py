"""Signing in: the check every program can call, and the flow a person walks through."""
