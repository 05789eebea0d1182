"""Exact quality metrics for a low-dimensional projection ``Y`` of data ``X``.

Everything here is plain NumPy/SciPy/scikit-learn/PyTorch; nothing imports Flask.

- :mod:`.ranks`: exact trustworthiness and continuity in one pass over blocks of rows, with
  progressive estimates (:mod:`.progress`);
- :mod:`.distances`: the high-dimensional distances: exact integers for 8-bit data, float32
  with a certified error bound otherwise, and the float64 reference they must equal;
- :mod:`.counting`: neighbours and ranks inside one block of distance rows;
- :mod:`.plane`: the 2-D side (KD-tree neighbours and radius counts);
- :mod:`.shepard`: Shepard correlation and stress on a seeded sample of pairs;
- :mod:`.report`: neighbourhood hit, reconstruction error and the all/selected/rest report.

Tie rule: a rank counts *strictly* closer points, and a neighbour set takes the nearest
points by exact distance, then by lower index. See :mod:`.ranks`.
"""

from .eight_bit import eight_bit_codes
from .progress import Estimate, ProgressCallback, TCEstimates
from .ranks import (
    TCResult,
    continuity,
    trustworthiness,
    trustworthiness_continuity,
    trustworthiness_continuity_many,
)
from .reference import exact_sqdist
from .report import neighborhood_hit, quality_report, reconstruction_error
from .shepard import ShepardStress, _condensed_distances, sample_indices, shepard_stress

__all__ = [
    "Estimate",
    "ProgressCallback",
    "ShepardStress",
    "TCEstimates",
    "TCResult",
    "_condensed_distances",
    "continuity",
    "eight_bit_codes",
    "exact_sqdist",
    "neighborhood_hit",
    "quality_report",
    "reconstruction_error",
    "sample_indices",
    "shepard_stress",
    "trustworthiness",
    "trustworthiness_continuity",
    "trustworthiness_continuity_many",
]
