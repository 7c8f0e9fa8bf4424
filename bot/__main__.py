"""``python -m bot <rasa command>``: Rasa's command line with this project's patches installed.

The Makefile trains, validates and tests through it (``make train``, ``make
test``), so those commands run the same Rasa as the server (``python -m
bot.rasa_server``, which also installs them). ``RASA_PATCHES=off`` runs Rasa
unpatched (bot/patches/__init__.py).
"""

from __future__ import annotations

import sys

from bot import patches


def main() -> None:
    patches.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
