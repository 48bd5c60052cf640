"""``python -m custlib``: the same as the ``custlib`` command."""

import sys

from custlib.cli import main

sys.exit(main())
