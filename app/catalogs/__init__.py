"""The practice's catalogs: fax numbers, resources, note types, chart tabs, templates."""
