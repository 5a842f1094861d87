"""The practice (company): its record and pick lists, the first start, the demo practice."""
