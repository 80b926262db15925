"""Bounded-memory summaries of a stream of draws: counts, sums, extremes and binned quantiles.

A Monte Carlo run with more draws than it can keep summarises each chunk as it arrives and
forgets the draws. :class:`Sketch` holds, per figure, the count, the running mean and sum of
squared deviations (merged with Chan et al.'s formula, so the variance is stable), the exact
minimum and maximum, the count of positive draws and a histogram on fixed bins.

The bins are fixed by the floating-point representation, not by the data: a value's bin is
its sign, its exponent and the first :data:`MANTISSA_BITS` bits of its mantissa. Every bin
is therefore at most ``2**-MANTISSA_BITS`` (0.8%) of its values wide, for any magnitude
(from subnormal numbers to 1e308), and a run never needs to know its range in advance. Each
bin keeps its count, the sum of its values and its smallest and largest value. There are at
most ``2**(12 + MANTISSA_BITS)`` bins, so the memory is bounded whatever the number of draws;
in practice only the bins that received draws are stored.

Quantiles follow ``numpy.quantile``'s default (linear interpolation between the order
statistics around ``q (n - 1)``); an order statistic is located exactly in its bin and
interpolated between the bin's smallest and largest value by rank. So a quantile is exact
when its bins hold one distinct value (counts such as ``defaults``, or zeros) and otherwise
lies between the bin's extremes: within 0.8% of the exact quantile. Means of clusters
(:func:`dealloop.scenarios.montecarlo.modes`) come from the bins' sums, exact to rounding.

References
----------
Chan, T. F., Golub, G. H. and LeVeque, R. J. (1979). "Updating formulae and a pairwise
algorithm for computing sample variances." Stanford CS report STAN-CS-79-773.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MANTISSA_BITS", "Figure", "Sketch", "bin_keys"]

MANTISSA_BITS = 7
"""Mantissa bits that name a bin: bins are at most ``2**-7`` (0.78%) of their values wide."""

_SHIFT = np.uint64(52 - MANTISSA_BITS)
_SIGN = np.uint64(1 << 63)


def bin_keys(y: np.ndarray) -> np.ndarray:
    """The bin of each value, as integers in the order of the values.

    Examples
    --------
    >>> k = bin_keys(np.array([-2.0, -1.0, 0.0, 1.0, 1.001, 2.0]))
    >>> bool(np.all(np.diff(k.astype(np.int64)) >= 0)), int(k[3] == k[4]), int(k[3] == k[5])
    (True, 1, 0)
    """
    bits = np.ascontiguousarray(y, dtype=np.float64).view(np.uint64)
    neg = (bits & _SIGN) != 0
    ordered = np.where(neg, ~bits, bits | _SIGN)  # unsigned order == float order
    return ordered >> _SHIFT


@dataclass
class Sketch:
    """Streaming summary of one figure over many draws (see the module docstring).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.lognormal(size=10_000)
    >>> s = Sketch()
    >>> for part in np.array_split(y, 7):
    ...     s.add(part)
    >>> s.n, bool(s.min == y.min()), bool(s.max == y.max())
    (10000, True, True)
    >>> bool(abs(s.quantile(0.5) / np.quantile(y, 0.5) - 1) < 2 ** -MANTISSA_BITS)
    True
    >>> bool(np.isclose(s.mean, y.mean()) and np.isclose(s.std, y.std()))
    True
    """

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    positive: int = 0
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lows: np.ndarray = field(default_factory=lambda: np.zeros(0))
    highs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add(self, y: np.ndarray, *, positive_above: float = 1e-9) -> None:
        """Fold the draws ``y`` (finite floats) into the summary."""
        y = np.asarray(y, dtype=np.float64).ravel()
        if not len(y):
            return
        nb, mb = len(y), float(y.mean())
        m2b = float(((y - mb) ** 2).sum())
        n = self.n + nb
        delta = mb - self.mean
        self.mean += delta * nb / n
        self.m2 += m2b + delta * delta * self.n * nb / n
        self.n = n
        self.min = min(self.min, float(y.min()))
        self.max = max(self.max, float(y.max()))
        self.positive += int((y > positive_above).sum())
        keys = np.concatenate([self.keys, bin_keys(y)])
        vals = np.concatenate([np.zeros(len(self.keys)), y])
        uniq, inv = np.unique(keys, return_inverse=True)
        old = slice(0, len(self.keys))
        counts = np.bincount(inv, weights=np.r_[self.counts, np.ones(nb)],
                             minlength=len(uniq)).astype(np.int64)
        sums = np.bincount(inv, weights=np.r_[self.sums, y], minlength=len(uniq))
        lows = np.full(len(uniq), np.inf)
        highs = np.full(len(uniq), -np.inf)
        np.minimum.at(lows, inv[old], self.lows)
        np.maximum.at(highs, inv[old], self.highs)
        np.minimum.at(lows, inv[len(self.keys):], vals[len(self.keys):])
        np.maximum.at(highs, inv[len(self.keys):], vals[len(self.keys):])
        self.keys, self.counts, self.sums, self.lows, self.highs = uniq, counts, sums, lows, highs

    @property
    def std(self) -> float:
        """Population standard deviation (``numpy.std``'s default)."""
        return math.sqrt(max(self.m2, 0.0) / self.n) if self.n else math.nan

    def _order_statistic(self, k: int, cum: np.ndarray) -> float:
        """The ``k``-th smallest draw (0-based), located in its bin and interpolated."""
        b = int(np.searchsorted(cum, k, side="right"))
        start = int(cum[b - 1]) if b else 0
        c = int(self.counts[b])
        lo, hi = float(self.lows[b]), float(self.highs[b])
        if c <= 1 or lo == hi:
            return lo
        return lo + (hi - lo) * (k - start) / (c - 1)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile, as ``numpy.quantile`` would give it on the draws (see the
        module docstring for the error)."""
        if not self.n:
            return math.nan
        cum = np.cumsum(self.counts)
        h = (self.n - 1) * q
        k = math.floor(h)
        lo = self._order_statistic(k, cum)
        if k + 1 >= self.n or h == k:
            return lo
        hi = self._order_statistic(k + 1, cum)
        return lo + (h - k) * (hi - lo)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Each non-empty bin as ``(mean of its values, count)``: a weighted sample."""
        return self.sums / np.maximum(self.counts, 1), self.counts.astype(float)


class Figure:
    """The draws of one per-draw figure in a Monte Carlo run: every draw kept (``keep``, the
    number of draws to come: exact statistics) or, with ``keep=None``, folded into a
    :class:`Sketch` (bounded memory).

    Examples
    --------
    >>> y = np.arange(10.0)
    >>> kept, sketched = Figure(10), Figure(None)
    >>> for f in (kept, sketched):
    ...     f.add(y[:4])
    ...     f.add(y[4:])
    >>> kept.stats((0.5,)) == sketched.stats((0.5,))
    True
    >>> kept.stats((0.5,))["q50"], kept.n
    (4.5, 10)
    """

    def __init__(self, keep: int | None) -> None:
        self.n = 0
        self.kept = np.empty(keep) if keep is not None else None
        self.sketch = Sketch() if keep is None else None

    def add(self, y: np.ndarray) -> None:
        """Fold the draws ``y`` (in draw order)."""
        y = np.asarray(y, dtype=np.float64).ravel()
        if self.kept is not None:
            self.kept[self.n:self.n + len(y)] = y
        else:
            assert self.sketch is not None
            self.sketch.add(y)
        self.n += len(y)

    def stats(self, quantiles: Iterable[float]) -> dict[str, float]:
        """Mean, standard deviation, minimum, the ``quantiles`` (``q05`` ...), maximum and the
        share of draws above 1e-9 (``p_positive``)."""
        qs = {f"q{int(q * 100):02d}": q for q in quantiles}
        if self.kept is not None:
            y = self.kept[:self.n]
            return {"mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()),
                    **{k: float(np.quantile(y, q)) for k, q in qs.items()},
                    "max": float(y.max()), "p_positive": float((y > 1e-9).mean())}
        sk = self.sketch
        assert sk is not None
        return {"mean": sk.mean, "std": sk.std, "min": sk.min,
                **{k: sk.quantile(q) for k, q in qs.items()},
                "max": sk.max, "p_positive": sk.positive / sk.n if sk.n else math.nan}

    def points(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The draws as a (weighted) sample for :func:`~dealloop.scenarios.montecarlo.modes`:
        the kept draws and no weights, or the sketch's bins and their counts."""
        if self.kept is not None:
            return self.kept[:self.n], None
        assert self.sketch is not None
        return self.sketch.points()
