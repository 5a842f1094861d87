"""Entry script for the PyInstaller bundle: the same main() as `usersetup` and `python -m app`.

It lives here, not in app/, because PyInstaller puts the script's folder on the import path,
and app/types.py would then shadow the standard library's `types`.
"""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
