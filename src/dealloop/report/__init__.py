"""The self-contained HTML report, and the results bundle it shares with the dashboard.

>>> from dealloop.report import results_bundle, render_report, write_report
"""

from __future__ import annotations

from .bundle import results_bundle
from .render import render_report, write_report

__all__ = ["render_report", "results_bundle", "write_report"]
