"""``python -m rl_constructs.runtime.cli``: the ``rl-constructs`` command."""

import sys

from .command import main

sys.exit(main())
