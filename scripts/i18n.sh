#!/usr/bin/env bash
# Refresh the message catalogs after UI strings change: extract, then update en and zh_Hans_CN.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o xgm/translations/messages.pot . 2>/dev/null \
  || .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o xgm/translations/messages.pot .
.venv/bin/pybabel update -i xgm/translations/messages.pot -d xgm/translations --no-fuzzy-matching
