"""`python -m xgm.gateagent`: see xgm/gateagent/cli.py and the README's "Gate agent" section."""

import sys

from xgm.gateagent.cli import main

sys.exit(main())
