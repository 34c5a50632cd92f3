"""Storage: the database, the durable spool, attachments and files on disk."""
