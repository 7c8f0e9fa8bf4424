"""The store: the catalogue, support points, dossiers, lookup locks, hand-overs and feedback.

The only place with SQL (models, queries, migrations). The use cases
(``services/``) and the importers (``integrations/``) call it; it knows only
``core/`` and nothing of Rasa or HTTP (docs/architecture.md).
"""
