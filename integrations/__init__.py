"""Importers and sync: catalogue records, national portal pages, dossier CSV, the one-stop feed, seed data."""
