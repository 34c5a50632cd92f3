"""Processing: one spooled mail at a time, from understood mail to a ticket change and its outbox rows."""
