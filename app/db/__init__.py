"""The database: where it is, its models and column types, migrations, the server's view."""
