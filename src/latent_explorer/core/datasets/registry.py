"""The built-in datasets: static facts, the files each reads (with checksums) and its loader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .dataset import Dataset
from .images import _load_digits, _load_mnist
from .tabular import (
    _AIR_COLUMNS,
    _AIR_DROPPED,
    _AIR_ROWS,
    _AIR_URL,
    _DAY_PARTS,
    _WINE_ROWS,
    _WINE_URL,
    _load_air_quality,
    _load_iris,
    _load_wine,
    _validate_air_download,
)


@dataclass(frozen=True)
class _File:
    """One file a dataset reads: its local names and how to fetch it."""

    key: str  # what the loader calls it
    names: tuple[str, ...]  # accepted local names; the first is the canonical one
    urls: tuple[str, ...] = ()  # mirrors of the file, or of the zip archive holding it
    member: str | None = None  # the file's name inside that zip archive
    sha256: str | None = None
    md5: str | None = None
    validate: Callable[[Path], None] | None = None  # for downloads without a known checksum
    required: bool = True

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class _Spec:
    """A registry entry: static facts, files and the loader."""

    name: str
    title: str
    kind: str
    n_samples: int
    n_features: int
    class_names: tuple[str, ...]
    description: str
    load: Callable[[_Spec, Mapping[str, Path]], Dataset]
    files: tuple[_File, ...] = ()  # none: embedded in a library
    subdirs: tuple[str, ...] = ("",)  # where inside a data folder to look; downloads use [0]
    system_dirs: tuple[Path, ...] = ()  # searched after the data folders (OS packages)
    n_samples_required_only: int | None = None  # when the optional files are absent
    note: str = ""  # an extra line for the how-to-get message


# --------------------------------------------------------------------------- MNIST files

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
# Debian's package dataset-fashion-mnist installs the four IDX files here.
_FASHION_SYSTEM_DIR = Path("/usr/share/datasets")


def _mnist_file(
    key: str,
    name: str,
    *,
    md5: str,
    sha256: str | None = None,
    mirrors: tuple[str, ...] = _MNIST_MIRRORS,
) -> _File:
    return _File(
        key=key,
        names=(name, name.removesuffix(".gz")),  # torchvision keeps unpacked copies too
        urls=tuple(mirror + name for mirror in mirrors),
        sha256=sha256,
        md5=md5,
        required=key.startswith("test"),
    )


# --------------------------------------------------------------------------- the registry

_DIGIT_NAMES = tuple(str(d) for d in range(10))

_REGISTRY: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _Spec(
            name="iris",
            title="Iris",
            kind="tabular",
            n_samples=150,
            n_features=4,
            class_names=("setosa", "versicolor", "virginica"),
            description=(
                "Fisher's 150 iris flowers, 50 per species, measured in centimetres "
                "(bundled with scikit-learn). Features are standardised."
            ),
            load=_load_iris,
        ),
        _Spec(
            name="wine_quality",
            title="Wine Quality",
            kind="tabular",
            n_samples=sum(_WINE_ROWS.values()),
            n_features=11,
            class_names=tuple(str(s) for s in range(3, 10)),
            description=(
                "Physicochemical tests of 1,599 red and 4,898 white Vinho Verde wines "
                "(Cortez et al., 2009; UCI 186). Label: the sensory quality score; "
                "attribute 'type' is red or white. Features are standardised."
            ),
            load=_load_wine,
            files=tuple(
                _File(
                    key=colour,
                    names=(f"winequality-{colour}.csv",),
                    urls=(_WINE_URL,),
                    member=f"winequality-{colour}.csv",
                    sha256=sha256,
                )
                for colour, sha256 in (
                    ("red", "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e"),
                    ("white", "76c3f809815c17c07212622f776311faeb31e87610d52c26d87d6e361b169836"),
                )
            ),
        ),
        _Spec(
            name="air_quality",
            title="Air Quality",
            kind="tabular",
            n_samples=_AIR_ROWS,
            n_features=len(_AIR_COLUMNS) - len(_AIR_DROPPED),
            class_names=_DAY_PARTS,
            description=(
                "Hourly readings of a gas multisensor device in an Italian city, March 2004 "
                "to April 2005 (De Vito et al., 2008; UCI 360). Label: time of day (night "
                "0-5 h, morning 6-11 h, afternoon 12-17 h, evening 18-23 h). NMHC(GT), about "
                "90 % missing, is dropped; other missing values (-200) are interpolated "
                "linearly in time, or set to the column median before the first and after "
                "the last reading; attribute 'missing_count' counts a row's filled values. "
                "Features are standardised."
            ),
            load=_load_air_quality,
            files=(
                _File(
                    key="csv",
                    names=("AirQualityUCI.csv", "airquality.csv"),
                    urls=(_AIR_URL,),
                    member="AirQualityUCI.csv",
                    validate=_validate_air_download,
                ),
            ),
            note="airquality.csv, the comma-separated re-export, is read as well.",
        ),
        _Spec(
            name="mnist",
            title="MNIST",
            kind="image",
            n_samples=70_000,
            n_features=28 * 28,
            class_names=_DIGIT_NAMES,
            description=(
                "LeCun et al.'s 28x28 handwritten digits: the 60,000 training images then the "
                "10,000 test images when the training files are present, else the test images "
                "alone; attribute 'split' tells which. Pixels are scaled to [0, 1]."
            ),
            load=_load_mnist,
            files=(
                _mnist_file(
                    "train_images",
                    "train-images-idx3-ubyte.gz",
                    md5="f68b3c2dcbeaaa9fbdd348bbdeb94873",
                ),
                _mnist_file(
                    "train_labels",
                    "train-labels-idx1-ubyte.gz",
                    md5="d53e105ee54ea40749a09fcbcd1e9432",
                ),
                _mnist_file(
                    "test_images",
                    "t10k-images-idx3-ubyte.gz",
                    md5="9fb629c4189551a2d022fa330f9573f3",
                    sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                ),
                _mnist_file(
                    "test_labels",
                    "t10k-labels-idx1-ubyte.gz",
                    md5="ec29112dd5afa0611ce80d1b7f02629c",
                    sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ),
            ),
            subdirs=("mnist", ""),
            n_samples_required_only=10_000,
            note=(
                "The t10k-* files give the 10,000 test images; add the train-* files "
                "for all 70,000."
            ),
        ),
        _Spec(
            name="fashion_mnist",
            title="Fashion-MNIST",
            kind="image",
            n_samples=70_000,
            n_features=28 * 28,
            class_names=(
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            description=(
                "Zalando's 28x28 grey images of clothing in 10 classes (Xiao et al., 2017): "
                "the 60,000 training images then the 10,000 test images; attribute 'split' "
                "tells which. Pixels are scaled to [0, 1]."
            ),
            load=_load_mnist,
            # Checksums are upstream's, for downloads; local copies (Debian recompresses
            # them) are checked by structure: IDX magic numbers, counts and sizes.
            files=tuple(
                _mnist_file(key, name, md5=md5, mirrors=_FASHION_MIRRORS)
                for key, name, md5 in (
                    (
                        "train_images",
                        "train-images-idx3-ubyte.gz",
                        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    ),
                    (
                        "train_labels",
                        "train-labels-idx1-ubyte.gz",
                        "25c81989df183df01b3e8a0aad5dffbe",
                    ),
                    (
                        "test_images",
                        "t10k-images-idx3-ubyte.gz",
                        "bef4ecab320f06d8554ea6380940ec79",
                    ),
                    (
                        "test_labels",
                        "t10k-labels-idx1-ubyte.gz",
                        "bb300cfdad3c16e7a12a480ee83cd310",
                    ),
                )
            ),
            subdirs=("fashion-mnist", "fashion_mnist"),
            system_dirs=(_FASHION_SYSTEM_DIR,),
            n_samples_required_only=10_000,
            note=(
                "On Debian, 'apt-get install dataset-fashion-mnist' puts them in "
                "/usr/share/datasets/fashion-mnist/."
            ),
        ),
        _Spec(
            name="digits",
            title="Digits (8x8)",
            kind="image",
            n_samples=1797,
            n_features=64,
            class_names=_DIGIT_NAMES,
            description=(
                "1,797 handwritten digits as 8x8 grey images (UCI optical recognition, bundled "
                "with scikit-learn). Pixels are scaled from 0..16 to [0, 1]."
            ),
            load=_load_digits,
        ),
    )
}
