"""Entry script for the PyInstaller bundle: the same main() as `usersetup` and `python -m cli`.

It lives here, outside the packages, because PyInstaller puts the script's folder on the
import path, where a module of a package could shadow one of the standard library.
"""

import sys

from cli.start import main

if __name__ == "__main__":
    sys.exit(main())
