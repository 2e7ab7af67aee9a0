"""`python -m nesy.cli`: the same as the `nesy` console script."""

import sys

from nesy.cli import main

sys.exit(main())
