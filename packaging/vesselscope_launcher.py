"""Entry point of the packaged application: the `vesselscope` command, the viewer by default.

A desktop launcher starts it without arguments, or with the file the user opened with it, so
anything that is not a subcommand opens the viewer (`vesselscope view [FILE]`) rather than
printing the command line's usage.
"""

import sys

from vesselscope.cli import COMMANDS, main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or (arguments[0] not in COMMANDS and not arguments[0].startswith("-")):
        arguments = ["view", *arguments]
    sys.exit(main(arguments))
