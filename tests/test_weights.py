"""The weight representation (sensorynet._weights): the dense -> CSR boundary of the
analyses and the CSR primitives they compute with, against dense numpy on random
matrices of every shape, sparsity and sign."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensorynet import _weights as Wmod
from sensorynet._weights import (
    PATHWAYS,
    SparseWeights,
    as_csr,
    existing_block_weights,
    group_row_means,
    pathway_slices,
    weights_equal,
)

_settings = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow])


@st.composite
def dense_weights(draw, min_n=0):
    """A random N×N matrix: density 0..1, values of either sign (stored zeros never
    arise from a dense matrix), and integer, float32 or float64 dtype."""
    N = draw(st.integers(min_n, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    density = draw(st.sampled_from([0.0, 0.05, 0.3, 0.7, 1.0]))
    sign = draw(st.sampled_from(["positive", "negative", "mixed"]))
    vals = rng.normal(0.0, 2.0, (N, N))
    if sign != "mixed":
        vals = np.abs(vals) * (1 if sign == "positive" else -1)
    W = np.where(rng.random((N, N)) < density, vals, 0.0)
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    return W.astype(dtype), rng


@_settings
@given(dense_weights(min_n=2))
def test_as_csr_holds_exactly_the_nonzero_entries(case):
    W, _ = case
    S = as_csr(W)
    ref = W.astype(np.float64)
    assert isinstance(S, SparseWeights) and S.N == W.shape[0]
    assert S.indptr.dtype == np.int64 and S.indices.dtype == np.int32
    assert S.data.dtype == np.float64 and np.all(S.data != 0)
    np.testing.assert_array_equal(S.to_dense(), ref)
    r, c = np.nonzero(ref)                         # row-major, like CSR
    rows, cols, vals = S.entries()
    np.testing.assert_array_equal(rows, r)
    np.testing.assert_array_equal(cols, c)
    np.testing.assert_array_equal(vals, ref[r, c])
    assert as_csr(S) is S                          # converted once: CSR passes through
    assert weights_equal(S, ref) and weights_equal(ref, S)


@_settings
@given(dense_weights(min_n=2), st.integers(0, 30), st.sampled_from(PATHWAYS))
def test_block_entries_and_existing_weights_equal_dense(case, n_exc, pathway):
    W, rng = case
    N = W.shape[0]
    n_exc = min(n_exc, N)
    ref = W.astype(np.float64)
    pre, post = pathway_slices(pathway, n_exc, N)
    rows, cols, vals = as_csr(ref).entries(pre, post)
    i, j = np.nonzero(ref[pre, post])
    np.testing.assert_array_equal(rows, i + pre.start)
    np.testing.assert_array_equal(cols, j + post.start)
    np.testing.assert_array_equal(vals, ref[pre, post][i, j])
    # a "learned" W: some synapses pruned to 0, others changed, a few new
    W1 = np.where(rng.random((N, N)) < 0.3, 0.0, ref * rng.uniform(0.5, 2, (N, N)))
    W1[rng.random((N, N)) < 0.05] = 1.5
    m = ref[pre, post] != 0
    for a, b in ((ref, W1), (as_csr(ref), W1), (ref, as_csr(W1)),
                 (as_csr(ref), as_csr(ref).with_data(W1[as_csr(ref).rows(),
                                                         as_csr(ref).indices]))):
        w0, w = existing_block_weights(a, b, n_exc, pathway)
        np.testing.assert_array_equal(w0, ref[pre, post][m])
        np.testing.assert_array_equal(w, W1[pre, post][m])


@_settings
@given(dense_weights(min_n=2), st.integers(1, 64))
def test_group_means_are_numpys_dense_means(case, block):
    """Row chunks of at most ``block`` elements: each row's mean is still numpy's mean
    of the dense row, bit for bit."""
    W, rng = case
    ref = W.astype(np.float64)
    mask = rng.random(W.shape[0]) < 0.6
    idx = np.flatnonzero(mask)
    old = Wmod.BLOCK_ELEMENTS
    Wmod.BLOCK_ELEMENTS = block
    try:
        got = group_row_means(ref, mask)
    finally:
        Wmod.BLOCK_ELEMENTS = old
    want = ref[np.ix_(idx, idx)].mean(axis=1) if idx.size else np.zeros(0)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(as_csr(ref).group_block(idx), ref[np.ix_(idx, idx)])


@_settings
@given(dense_weights(min_n=2))
def test_select_keeps_the_order_of_the_indices(case):
    W, rng = case
    N = W.shape[0]
    ref = W.astype(np.float64)
    for idx in (np.arange(N), rng.permutation(N)[: rng.integers(0, N + 1)]):
        sub = as_csr(ref).select(np.asarray(idx, np.int64))
        assert sub.N == idx.size
        np.testing.assert_array_equal(sub.to_dense(), ref[np.ix_(idx, idx)])
        assert np.all(np.diff(sub.indptr) >= 0)


def test_as_csr_refuses_what_no_analysis_can_read():
    with pytest.raises(ValueError, match="W0 must be square"):
        as_csr(np.zeros((3, 4)), "W0")
    with pytest.raises(ValueError, match="W contains non-finite"):
        as_csr(np.array([[0.0, np.nan], [0.0, 0.0]]))
    with pytest.raises(TypeError, match="W must be a real"):
        as_csr(np.ones((2, 2), complex))
    with pytest.raises(TypeError, match="masked"):
        as_csr(np.ma.masked_array(np.ones((2, 2))))
    S = as_csr(np.eye(3))
    S.data[0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        as_csr(S)
    S = as_csr(np.eye(3))
    S.indptr[1] = 7
    with pytest.raises(ValueError, match="structure"):
        as_csr(S)


def test_existing_block_weights_checks_its_arguments():
    with pytest.raises(ValueError, match="same shape"):
        existing_block_weights(np.eye(3), np.eye(4), 1, "EE")
    with pytest.raises(ValueError, match="pathway"):
        existing_block_weights(np.eye(3), np.eye(3), 1, "XX")
    with pytest.raises(ValueError, match="n_exc"):
        existing_block_weights(np.eye(3), np.eye(3), 4, "EE")


def test_same_structure():
    S = as_csr(np.eye(4) + np.diag([1.0, 1, 1], 1))
    assert S.same_structure(S.with_data(S.data * 2))
    assert S.same_structure(SparseWeights(S.indptr.copy(), S.indices.copy(), S.data, 4))
    assert not S.same_structure(as_csr(np.eye(4)))
