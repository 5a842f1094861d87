"""The User Setup window and its user list."""
