"""``python -m custlib``: the same as the ``custlib`` command."""

import sys

from custlib.run.cli import main

sys.exit(main())
