"""``python -m latent_explorer.cli``: the same command line as ``latent-explorer`` (the tests
start servers and workers this way)."""

import sys

from . import main

sys.exit(main())
