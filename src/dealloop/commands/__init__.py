"""Command groups of the ``dealloop`` CLI, one module per topic.

Each module registers its commands on :data:`dealloop.cli.app` when imported and imports heavy
libraries only inside the command bodies, so ``dealloop --help`` stays fast.
"""

TOPICS = ("circularity", "scenarios", "holders", "report", "web", "synth", "markets",
          "sources")
