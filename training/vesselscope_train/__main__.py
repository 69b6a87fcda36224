"""`python -m vesselscope_train` (and `torchrun -m vesselscope_train`) run the command line."""

import sys

from vesselscope_train.cli import main

sys.exit(main())
