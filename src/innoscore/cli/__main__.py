"""``python -m innoscore.cli``: the same as the ``innoscore`` command."""

import sys

from innoscore.cli import main

sys.exit(main())
