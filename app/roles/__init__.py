"""Roles, user groups and departments: who holds which right, and why."""
