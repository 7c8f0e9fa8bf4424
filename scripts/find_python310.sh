#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa Open Source 3.6 does not support 3.11+).
set -u
candidates=("${PYTHON310:-}" python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
for dir in "$HOME"/.pyenv/versions/3.10*/bin /opt/python3.10/bin; do
  [ -x "$dir/python3.10" ] && candidates+=("$dir/python3.10")
done
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  # pyenv shims exist even when 3.10 is not selected: ask the interpreter itself.
  version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
  if [ "$version" = "3.10" ]; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
cat >&2 <<'MSG'
Python 3.10 is required (Rasa Open Source 3.6 supports Python 3.8-3.10 only) and was not found.
Install it, then run the command again, for example:
  Debian/Ubuntu:  apt-get install python3.10 python3.10-venv   (or: pyenv install 3.10.13)
  or point to it: make run PYTHON310=/path/to/python3.10
MSG
exit 1
