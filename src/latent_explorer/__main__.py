"""``python -m latent_explorer``: the same command line as ``latent-explorer``."""

import sys

from .cli import main

sys.exit(main())
