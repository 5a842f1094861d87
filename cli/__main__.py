"""`python -m cli`: the same as the `usersetup` command."""

import sys

from cli.main import main

sys.exit(main())
