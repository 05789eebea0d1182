"""The compiled reference distances are NumPy's own values, bit for bit."""

import numpy as np
import pytest

from latent_explorer.core.metrics import reference


def _numpy_rows(x, i, j):
    # The definition, as the benchmark's reference writes it.
    return np.array(
        [((x[a].astype(np.float64) - x[b]) ** 2).sum() for a, b in zip(i, j, strict=True)]
    )


def test_the_compiled_order_is_this_numpys():
    # Otherwise exact_sqdist would quietly fall back to NumPy and the fast path go untested.
    assert reference._replica_agrees()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [1, 3, 8, 64, 129, 784, 1001])
@pytest.mark.parametrize("threads", [1, 2])
def test_exact_sqdist_equals_numpy_bit_for_bit(dtype, width, threads):
    rng = np.random.default_rng(width)
    x = (rng.normal(size=(300, width)) * rng.random((300, 1)) * 100).astype(dtype)
    x[7] = x[3]  # a duplicate: distance exactly 0
    i = np.r_[rng.integers(0, 300, 2000), 3, 7]
    j = np.r_[rng.integers(0, 300, 2000), 7, 3]
    got = reference.exact_sqdist(x, i, j, threads)
    np.testing.assert_array_equal(got, _numpy_rows(x, i, j))
    assert got[-1] == got[-2] == 0.0


def test_other_layouts_take_numpys_path_with_the_same_values():
    rng = np.random.default_rng(5)
    x = rng.random((200, 50))
    i, j = rng.integers(0, 200, 500), rng.integers(0, 200, 500)
    strided = x[:, ::2]  # not contiguous
    integers = (x * 255).astype(np.uint8)
    np.testing.assert_array_equal(reference.exact_sqdist(strided, i, j), _numpy_rows(strided, i, j))
    np.testing.assert_array_equal(
        reference.exact_sqdist(integers, i, j), _numpy_rows(integers, i, j)
    )
