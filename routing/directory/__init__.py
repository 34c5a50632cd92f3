"""The directory of groups and agents: selection from its snapshot, and the CSV import/export."""
