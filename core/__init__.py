"""Pure helpers that know no I/O: text normalisation, ranking, redaction rules, dossier rules, settings, wording."""
