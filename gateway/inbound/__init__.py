"""The ways in: each receiver is a thin adapter over the one spool writer."""
