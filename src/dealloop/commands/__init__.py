"""The commands of the ``dealloop`` CLI, one module per topic.

Each module defines plain functions with typer annotations over the helpers of
:mod:`dealloop.commands._common`; :mod:`dealloop.cli` registers them, in one place. Heavy
libraries are imported only inside the command bodies, so ``dealloop --help`` stays fast.
To add a command: write the function in the topic's module and add it to
:data:`dealloop.cli.COMMANDS`.
"""

from ._common import with_as_of

__all__ = ["with_as_of"]
