"""``python -m dealloop`` (and the ``dealloop`` command) runs the command line.

Ctrl-C while the command line is still loading (a slow disk, a busy machine) ends as it does
during a run: one line on stderr and exit code 130, no traceback.
"""

import sys

#: What an interrupted command says on stderr (exit code 130).
INTERRUPTED = "interrupted; nothing half-written is left behind"


def run() -> None:
    """Import the command line and run it; Ctrl-C during the import exits 130 quietly."""
    try:
        from dealloop.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
