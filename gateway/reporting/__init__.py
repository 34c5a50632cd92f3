"""Figures for the admin's statistics page: SQL aggregates, then a little Python on the few rows they return."""
