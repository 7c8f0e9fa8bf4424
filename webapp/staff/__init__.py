"""The staff console at /staff/: sign-in, the complaints and feedback queue, assisted mode, accounts, audit.

Routes (docs/interfaces.md) are a Sanic blueprint registered by ``webapp/api.py``;
the page's files are in ``webapp/staff/static/`` (plain HTML, CSS and
JavaScript, no build step); the use cases in ``services/staff.py`` and
``services/checklist.py``. Every API route needs the session cookie; every
change also needs the session's CSRF token in ``X-CSRF-Token`` and a JSON body.
"""

from webapp.staff.routes import staff_blueprint

__all__ = ["staff_blueprint"]
