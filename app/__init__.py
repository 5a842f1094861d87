"""UserSetup's domain and data layer: models, migrations and services. No Qt here."""

APP_NAME = "UserSetup"  # the folders its files go in, and what the system calls it
