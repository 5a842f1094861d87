"""Thin Qt adapters over app/: item models, widgets, dialogs."""
