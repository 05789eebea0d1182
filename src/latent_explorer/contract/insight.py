"""Answers of the insight routes (``web/insight.py``): a point's neighbours, one value per
point, the attributes points can be coloured by, the PCA baseline and the feature means.

Like :mod:`.resources`, these models document the answers; the OpenAPI document's schemas
are generated from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, RootModel

from ..core.neighbours import SPACES
from .limits import PER_POINT_KEYS
from .resources import MetricsRow, NonNegative

#: A value per point or feature; null where it cannot be computed (e.g. NaN).
Values = list[float | None]


class Neighbours(BaseModel):
    id: NonNegative
    k: int
    space: Literal[SPACES]  # type: ignore[valid-type]
    neighbors: list[NonNegative]
    distances_original: Values
    distances_latent: Values
    rank_in_other_space: list[Annotated[int, Field(ge=1)]]


class PerPoint(BaseModel):
    key: Literal[PER_POINT_KEYS]  # type: ignore[valid-type]
    n: NonNegative
    values: Values
    min: float | None
    max: float | None


class AttributeListed(BaseModel):
    name: str
    kind: Literal["numeric", "categorical"]
    source: Literal["label", "attribute", "feature"]


class Attributes(BaseModel):
    attributes: list[AttributeListed]


class NumericAttribute(BaseModel):
    name: str
    kind: Literal["numeric"]
    values: Values
    min: float | None
    max: float | None


class CategoricalAttribute(BaseModel):
    name: str
    kind: Literal["categorical"]
    categories: list[str]
    codes: list[NonNegative]


class Attribute(
    RootModel[Annotated[NumericAttribute | CategoricalAttribute, Field(discriminator="kind")]]
):
    """numeric values or categorical codes, by kind"""


class Pca(BaseModel):
    x: Values
    y: Values
    metrics: MetricsRow | None
    explained_variance_ratio: Values


class FeatureStats(BaseModel):
    feature_names: list[str]
    mean_raw: Values
    std_raw: Values
    mean_scaled: Values
    feature_mean: Values | None
    feature_scale: Values | None


#: The insight answers, as components of the OpenAPI document.
INSIGHT_MODELS: tuple[type[BaseModel], ...] = (
    Neighbours,
    PerPoint,
    Attributes,
    Attribute,
    Pca,
    FeatureStats,
)
