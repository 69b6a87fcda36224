import sys

from vesselscope.cli import main

sys.exit(main())
