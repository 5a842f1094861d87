"""UserSetup's domain and data layer: models, migrations and services. No Qt here."""
