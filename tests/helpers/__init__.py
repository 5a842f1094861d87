"""What the tests share: actors, builders and readers of stored rows, servers, Qt helpers."""
