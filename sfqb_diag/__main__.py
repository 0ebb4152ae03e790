"""`python -m sfqb_diag` runs the CLI."""

import sys

from sfqb_diag.cli import main

sys.exit(main())
