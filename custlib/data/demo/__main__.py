"""``python -m custlib.data.demo``: regenerate the bundled demo data."""

from custlib.data.demo import main

raise SystemExit(main())
