#!/usr/bin/env bash
# Refresh the message catalogs after UI strings change: extract, then update en and zh_Hans_CN.
# Catalogs are written sorted by msgid, without source locations or line wrapping, so that
# branches adding strings in different places merge without conflicts. The template
# (messages.pot) is an intermediate file and is not kept in git.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
.venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
  --no-location --sort-output --no-wrap --omit-header -o "$pot" .
.venv/bin/pybabel -q update -i "$pot" -d xgm/translations --no-fuzzy-matching --no-wrap \
  --ignore-obsolete --ignore-pot-creation-date
