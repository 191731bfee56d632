"""Entry point for `python -m journey`."""

import sys

from journey.cli import main

sys.exit(main())
