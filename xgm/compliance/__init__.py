"""The compliance pack: a PDF per company for its PIPL and 等保 level-2 paperwork.

`GET /compliance.pdf?from=&to=` (owner and managers): the record of processing, the
entrusted-processing clause, the current settings, counts of purges and access-log rows over
the period, and the security measures in force; rendered by printables' WeasyPrint setup.
"""

from flask import Blueprint

bp = Blueprint("compliance", __name__)

from xgm.compliance import views  # noqa: E402,F401 - registers the routes on bp
