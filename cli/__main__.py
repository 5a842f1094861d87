"""`python -m cli`: the same as the `usersetup` command."""

import sys

from cli.start import main

sys.exit(main())
