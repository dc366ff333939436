"""Private numba kernels: the compiled core.

Only arrays and scalars cross this boundary, in a few typed bundles with named fields:
NamedTuples of arrays, which numba compiles as structs (a field access costs nothing
at run time) -- :class:`CSR` (the weights), :class:`Drive` (the feed-forward input),
:class:`Buffers` (the run's work arrays) and :class:`Recording` -- and the model's
constants as two numpy records (structured scalars of :data:`NEURON_CONSTANTS` and
:data:`PLASTICITY_CONSTANTS`: typed, named fields, passed as one pointer each; as
NamedTuples of 25 scalars they cost ~0.15 s more compilation on an empty cache, numba
unboxing each field separately). :mod:`sensorynet._simulation` validates and packs
everything. Weights are held in CSR form by presynaptic row (``indptr``,
``indices``, ``data``), which serves the published dense N=500 network (converted on
entry) and sparse networks of 10^5 neurons alike.

Algorithm (docs/model.md §3–4, with the "useful fact" of §4):

* the recurrent input of step k is the sum of the rows of the neurons that spiked at
  step k−1, so a row is read only right after its neuron spiked;
* between two spikes of presynaptic i, row i only receives LTP, all of one sign,
  proportional to x̄_k[i]·P_k[j] with P_k[j] = [v_k[j]−θ⁺]₊[u⁺_k[j]−θ⁻]₊, and x̄[i]
  decays geometrically (x̄_k = x̄_f·a^{k−f}). So the LTP of row i is applied lazily,
  when i spikes (before its LTD), at the end of an epoch, or at the end of the run,
  from per-postsynaptic prefix sums G_m[j] = Σ_{k'<E0+m} a^{k'−E0} P_{k'}[j].
  Clipping a one-directional sequence once equals clipping every step.
* the prefix sums restart every ``epoch`` steps (all pending rows are flushed), which
  keeps a^{−m} bounded; in the builds for long epochs they are accumulated in
  compensated (TwoSum) form, so the differences G_m − G_f keep full precision even
  when a^{−m} reaches ~1e11.

Precision bound (the caller's contract, enforced by
:func:`sensorynet._simulation.epoch_steps`): a flushed increment is
c·x̄_f·a^{−f}·(G_m − G_f), and the rounding error of G_m − G_f is relative to G_0-sized
terms, so it is amplified by up to a^{−L} = exp(L·dt/τ_x) for an epoch of L steps.
The epoch therefore satisfies

* plain sums:       L·dt/τ_x <= MAX_EPOCH_DECAY_PLAIN (8): a^{−L} <= e^8 ≈ 3e3, relative
  error of an increment <= ~e^8·2^−53 ≈ 3e-13;
* compensated sums: L·dt/τ_x <= MAX_EPOCH_DECAY_COMPENSATED (30): a^{−L} <= e^30 ≈
  1e13, relative error <= ~L·e^30·2^−106 ≈ 5e-17 (the TwoSum pair holds ~106 bits);

(L >= 1 always; with L = 1 every step is flushed, like the reference). Longer epochs
lose the late terms of the sums entirely once a^{−L} approaches 2^53 (plain) or 2^106
(compensated) -- e.g. L = 400 with τ_x = 3 ms gives a^{−L} ≈ e^133 and weights off by
0.1 mV. The published parameters (dt/τ_x = 1/15: L = 400 compensated, 26.7 <= 30;
L = 100 plain, 6.7 <= 8) satisfy the bound unchanged.

Poisson input may be generated inside the kernel by the counter-based generator of
:mod:`sensorynet._rng`, so the same key gives the same counts whether they are
materialised first or not.
"""

import types
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ._network_kernel import csr_to_dense, csr_to_dense_fill, dense_to_csr  # noqa: F401
from ._rng import CDF_LEN, cdf_table, counts_step

__all__ = ["CSR", "Drive", "Buffers",
           "Recording", "NEURON_CONSTANTS", "PLASTICITY_CONSTANTS",
           "constants_record", "csr_bundle", "dense_to_csr", "csr_to_dense", "run_kernel", "row_split", "KERNELS",
           "COMPENSATE_ABOVE", "MAX_EPOCH_DECAY_PLAIN", "MAX_EPOCH_DECAY_COMPENSATED"]

#: epochs longer than this accumulate the prefix sums in compensated form: a_x^−100 ≈
#: 800 costs under 3 of 16 digits, longer epochs need the extra precision
COMPENSATE_ABOVE = 100
#: bounds on L·dt/τ_x for an epoch of L steps (see the module docstring): the lazy
#: LTP rescales x̄ by up to a_x^−L = exp(L·dt/τ_x) within an epoch
MAX_EPOCH_DECAY_PLAIN = 8.0
MAX_EPOCH_DECAY_COMPENSATED = 30.0


# ----------------------------------------------------------------------- the bundles
class CSR(NamedTuple):
    """The weights in CSR form by presynaptic row, as the kernel reads them.

    Indices are unsigned views (same bits, non-negative): numba wraps signed indices
    around (3 instructions per access in the synapse loops; ~20 % of the kernel's
    time). :func:`csr_bundle` makes them, in one place.
    """
    indptr: np.ndarray     # uint64 (N + 1,)
    indices: np.ndarray    # uint32 (nnz,), strictly increasing within a row
    data: np.ndarray       # float64 (nnz,), mV; updated in place by plastic runs
    split: np.ndarray      # uint64 (N,), first synapse of each row onto an I neuron


class Drive(NamedTuple):
    """Feed-forward input: counts read from an array, or generated in the kernel.

    If ``counts`` has T rows it is read (time-major, each count adds 1 mV); otherwise
    (0 rows) counts are generated from the per-step Poisson means ``mu`` and
    ``expm`` = exp(−mu) (n_seg × N, one row per segment of ``seg_len`` steps) by the
    counter-based generator of :mod:`sensorynet._rng` with ``key``.
    """
    counts: np.ndarray     # uint8 or int64 (T, N), or (0, N)
    mu: np.ndarray         # float64 (n_seg, N)
    expm: np.ndarray       # float64 (n_seg, N)
    seg_len: int           # steps per segment
    key: np.uint64


#: record type of the membrane dynamics' constants (docs/model.md §3)
NEURON_CONSTANTS = np.dtype([
    ("decay", np.float64),         # exp(−dt/τ_m)
    ("theta", np.float64),         # threshold, mV
    ("dt", np.float64),            # step, ms
    ("n_exc", np.int64),           # neurons 0 .. n_exc − 1 are excitatory
], align=True)
#: record type of the plasticity rule's constants and switches (docs/model.md §4)
PLASTICITY_CONSTANTS = np.dtype([
    ("plastic", np.bool_),         # apply the rule at all (some pathway plastic)
    ("plastic_EE", np.bool_),
    ("plastic_EI", np.bool_),
    ("plastic_IE", np.bool_),
    ("ltd_IE", np.bool_),          # I→E synapses also get LTD
    ("mask_IE", np.bool_),         # only existing (nonzero) I→E synapses change
    ("a_minus", np.float64),       # exp(−dt/τ₋)
    ("a_plus", np.float64),        # exp(−dt/τ₊)
    ("a_x", np.float64),           # exp(−dt/τ_x)
    ("tau_minus", np.float64),     # ms
    ("tau_plus", np.float64),      # ms
    ("tau_x", np.float64),         # ms
    ("A_LTD", np.float64),         # 1/mV
    ("A_LTP", np.float64),         # 1/mV²
    ("theta_minus", np.float64),   # mV
    ("theta_plus", np.float64),    # mV
    ("u_ref2", np.float64),        # mV²
    ("w_max", np.float64),         # mV
    ("w_min_inh", np.float64),     # mV
    ("vbar_window", np.int64),     # steps of the v̄ boxcar
    ("epoch", np.int64),           # L, steps between restarts of the LTP prefix sums
], align=True)


def constants_record(dtype: np.dtype, **fields: float | int | bool) -> np.record:
    """A record of ``dtype`` (:data:`NEURON_CONSTANTS` or :data:`PLASTICITY_CONSTANTS`)
    with every field given by name; its fields read as attributes (``rec.theta``), in
    Python and in the kernel alike."""
    names = set(dtype.names or ())
    if set(fields) != names:
        raise ValueError(f"constants_record: fields {sorted(names ^ set(fields))} "
                         f"missing or unknown")
    # one structured array from one tuple (this runs before every simulated block)
    return np.rec.array([tuple(fields[n] for n in dtype.names or ())], dtype=dtype)[0]


class Buffers(NamedTuple):
    """Work arrays of one run, allocated by numpy in :func:`run_kernel` (numba would
    compile np.empty/np.zeros for every dtype and shape on an empty cache, ~1 s)."""
    v: np.ndarray          # (N,) membrane potential, mV; v_last at the end
    xk: np.ndarray         # (N,) input counts of the step
    rec: np.ndarray        # (N,) recurrent input of the step, mV
    u_m: np.ndarray        # (N,) u⁻ trace, mV
    u_p: np.ndarray        # (N,) u⁺ trace, mV
    xbar: np.ndarray       # (N,) presynaptic trace x̄, 1/ms
    vsum: np.ndarray       # (N,) sum of the last n_in_win post-reset v, mV
    xf: np.ndarray         # (N,) x̄ of the row's neuron at step f
    Dk: np.ndarray         # (N,) LTD factor of each postsynaptic neuron, step k
    Pk: np.ndarray         # (N,) LTP factor of each postsynaptic neuron, step k
    f: np.ndarray          # int64 (N,) first step of the pending LTP of each row
    spk: np.ndarray        # int32 (2, N) neurons that spiked (previous step, this step)
    sflag: np.ndarray      # bool (N,) spiked at this step
    window: np.ndarray     # (vbar_window, N) last post-reset v (plastic runs)
    G: np.ndarray          # (L + 1, N) prefix sums, high part (plastic runs)
    Glo: np.ndarray        # (L + 1, N) their rounding errors (compensated builds)
    cdf: np.ndarray        # (CDF_LEN, N) Poisson CDF of the segment (generated input)
    a_x_pow_neg: np.ndarray  # (L + 1,) a_x^−m


class Recording(NamedTuple):
    """Neurons recorded every step and where their values go."""
    neurons: np.ndarray    # int64 (n_rec,)
    v: np.ndarray          # (T, n_rec) membrane potential, mV
    traces: np.ndarray     # (T, n_rec, 4): u⁻, u⁺, x̄, v̄ (plastic runs; else 0 rows)


# ---------------------------------------------------------------------- the kernel
# The per-step parts stay in _run but for the epoch flush: with a spiking row's
# plasticity as an inline="always" helper taking the bundles, the kernel compiled
# 0.1-0.4 s longer on an empty cache (numba inlines at its IR level;
# benchmarks/COLD_START.md), against a 4 s cold-start goal. The helper's arrays are
# unpacked from the bundles once, at the top of _run.
@njit(cache=True, inline="always")
def _flush_row(i, k, E0, f, xf, G, Glo, comp, indptr, split, indices, data, N_E, c_ltp, w_max,
               w_min, plast_ee, plast_ei, plast_ie, mask_ie, a_x_pow_neg):
    """Apply row i's pending LTP accumulated over steps f[i] .. k−1; clip once."""
    if xf[i] == 0.0 or f[i] >= k:
        f[i] = k
        return
    mf = f[i] - E0
    m = k - E0
    c = c_ltp * xf[i] * a_x_pow_neg[mf]
    Gm = G[m]
    Gf = G[mf]
    Lm = Glo[m]
    Lf = Glo[mf]
    if i < N_E:
        lo = indptr[i] if plast_ee else split[i]
        hi = indptr[i + 1] if plast_ei else split[i]
        for p in range(lo, hi):
            w = data[p]
            if w != 0.0:
                j = indices[p]
                d = Gm[j] - Gf[j]
                if comp:
                    d = d + (Lm[j] - Lf[j])
                w = w + c * d
                data[p] = w if w < w_max else w_max
    elif plast_ie:
        for p in range(indptr[i], split[i]):
            w = data[p]
            if w != 0.0 or not mask_ie:
                j = indices[p]
                d = Gm[j] - Gf[j]
                if comp:
                    d = d + (Lm[j] - Lf[j])
                w = w - c * d
                data[p] = w if w > w_min else w_min
    f[i] = k


@njit(cache=True)
def row_split(indptr, indices, N_E, split):
    """Per row, the first position whose postsynaptic neuron is inhibitory.

    Columns are strictly increasing within a row (checked by SparseWeights), so a
    bisection finds it (runs before every block: a scan cost ~0.1 ms at N = 500).
    """
    for i in range(split.shape[0]):
        lo = indptr[i]
        hi = indptr[i + 1]
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < N_E:
                lo = mid + 1
            else:
                hi = mid
        split[i] = lo


def _run(w, drive, nc, pc, b, rec, T, n_chunks, sp_n, sp_k):
    """Simulate T steps. Modifies ``w.data`` in place (the caller passes a copy).

    ``w``: :class:`CSR`; ``drive``: :class:`Drive`; ``nc``, ``pc``: the constants
    (records of :data:`NEURON_CONSTANTS`, :data:`PLASTICITY_CONSTANTS`);
    ``b``: :class:`Buffers`; ``rec``: :class:`Recording`. ``n_chunks``: column chunks
    of the recurrent sum (1 when serial; results do not depend on it).
    ``pc.epoch`` is the epoch length L >= 1, which must satisfy
    L·dt/τ_x <= MAX_EPOCH_DECAY_COMPENSATED (compensated builds) or
    <= MAX_EPOCH_DECAY_PLAIN (plain builds), so that a_x^−L <= e^30 resp. e^8 (module
    docstring); :func:`sensorynet._simulation.epoch_steps` chooses it so.

    Returns the spike buffers (neurons, steps; grown if full) and the number of
    spikes; v_last is left in ``b.v``, recordings in ``rec``.

    Sections: input counts, recurrent input, epoch flush, neuron dynamics and the
    plasticity factors (one vectorised pass), prefix sums, spiking rows, spike output.
    """
    indptr, indices, data, split = w.indptr, w.indices, w.data, w.split
    a_x_pow_neg = b.a_x_pow_neg
    N_E = nc.n_exc
    plast_ee, plast_ei, plast_ie = pc.plastic_EE, pc.plastic_EI, pc.plastic_IE
    ltd_ie, mask_ie = pc.ltd_IE, pc.mask_IE
    w_max, w_min = pc.w_max, pc.w_min_inh
    N = indptr.shape[0] - 1
    B = nc.decay
    theta = nc.theta
    dt = nc.dt
    plastic = pc.plastic
    L = pc.epoch
    n_win = pc.vbar_window
    use_gen = drive.counts.shape[0] != T
    n_ch = n_chunks if _PARALLEL else 1    # serial builds: no chunking code compiled

    a_m = pc.a_minus
    a_p = pc.a_plus
    a_x = pc.a_x
    th_m = pc.theta_minus
    th_p = pc.theta_plus
    inv_tau_m = 1.0 / pc.tau_minus
    inv_tau_p = 1.0 / pc.tau_plus
    inv_uref2 = 1.0 / pc.u_ref2
    inc_x = 1.0 / pc.tau_x
    c_ltd = -dt * pc.A_LTD
    c_ltp = dt * pc.A_LTP

    cap = sp_n.shape[0]
    n_sp = 0
    n_rec = rec.neurons.shape[0]
    v, xk, rin = b.v, b.xk, b.rec
    spk = b.spk[0]                    # neurons that spiked at the previous step
    n_spk = 0
    spk_new = b.spk[1]
    sflag = b.sflag
    u_m, u_p, xbar, vsum = b.u_m, b.u_p, b.xbar, b.vsum
    xf, f, Dk, Pk = b.xf, b.f, b.Dk, b.Pk
    G, Glo = b.G, b.Glo
    n_in_win = 0
    comp = _COMPENSATED      # a compile-time constant of each build (see _compiled)
    if plastic:              # row 0 of the prefix sums is the only one read unwritten
        G[0, :] = 0.0
        Glo[0, :] = 0.0
    for m in range(b.a_x_pow_neg.shape[0]):
        b.a_x_pow_neg[m] = a_x ** (-m)
    E0 = 0

    n_seg = drive.mu.shape[0]
    cur_seg = -1
    # k = T only flushes the pending LTP (one inlined flush loop: it costs compile time)
    for k in range(T + 1):
        if k < T:
            # ---- input counts of this step
            if use_gen:
                seg = k // drive.seg_len
                seg = n_seg - 1 if n_seg - 1 < seg else seg
                if seg != cur_seg:
                    cdf_table(drive.mu, drive.expm, seg, b.cdf)
                    cur_seg = seg
                counts_step(drive.key, k, N, b.cdf, drive.mu, drive.expm, seg, xk)
            else:
                for n in range(N):
                    xk[n] = drive.counts[k, n]
            # ---- recurrent input: rows of the neurons that spiked at step k−1 (split
            # into column chunks, each summing the rows in increasing order, so the sums
            # are the same whatever the number of chunks; _PARALLEL is a constant of
            # this build, which an inlined helper would not see)
            for ch in prange(n_ch):
                j0 = ch * N // n_ch
                j1 = (ch + 1) * N // n_ch
                for n in range(j0, j1):
                    rin[n] = 0.0
                for q in range(n_spk):
                    i = spk[q]
                    p0 = indptr[i]
                    p1 = indptr[i + 1]
                    if _PARALLEL and n_ch > 1:     # pruned from serial builds
                        p0, p1 = p0 + np.uint64(np.searchsorted(indices[p0:p1], j0)), \
                            p0 + np.uint64(np.searchsorted(indices[p0:p1], j1))
                    for p in range(p0, p1):
                        rin[indices[p]] += data[p]
        if plastic and (k - E0 == L or k == T):
            # epoch boundary or end: flush all pending LTP (through k−1), restart the sums
            for i in prange(N):
                _flush_row(i, k, E0, f, xf, G, Glo, comp, indptr, split, indices, data, N_E,
                           c_ltp, w_max, w_min, plast_ee, plast_ei, plast_ie, mask_ie,
                           a_x_pow_neg)
            E0 = k
        if k == T:
            break
        m = k - E0
        am = a_x ** m
        inv_cnt = 1.0 / n_in_win if n_in_win > 0 else 0.0
        slot = k % n_win
        n_new = 0
        if plastic:
            for r in range(n_rec):
                rec.traces[k, r, 3] = vsum[rec.neurons[r]] * inv_cnt   # v̄_k excludes step k
            Gm = G[m]
            Gm1 = G[m + 1]
            Lm = Glo[m]
            Lm1 = Glo[m + 1]
            win = b.window[slot]
            # two vectorised passes without data-dependent control flow (the prefix sums
            # apart: 5 % faster; six passes compiled 0.25 s longer); spikes collected after
            for n in prange(N):
                # traces from the previous step's post-reset v (docs/model.md §4)
                vp = v[n]
                um = a_m * u_m[n] + vp * inv_tau_m
                up = a_p * u_p[n] + vp * inv_tau_p
                u_m[n] = um
                u_p[n] = up
                xbar[n] = a_x * xbar[n]
                # membrane: (B·v + x) + recurrent input, threshold, reset (docs/model.md §3)
                vn = (B * vp + xk[n]) + rin[n]
                s = vn > theta
                sflag[n] = s
                vn = 0.0 if s else vn
                v[n] = vn
                # LTD and LTP factors of postsynaptic n at step k
                vb = vsum[n] * inv_cnt
                # [x]_+ as max() evaluates it (builtin min/max: compilations when cold)
                dm = um - th_m
                dm = 0.0 if 0.0 > dm else dm
                Dk[n] = (vb * vb * inv_uref2) * dm
                dv = vn - th_p
                dp = up - th_m
                P = (0.0 if 0.0 > dv else dv) * (0.0 if 0.0 > dp else dp)
                Pk[n] = P
                # 100-step boxcar of post-reset v (slots start at 0, so no branch)
                vsum[n] = (vsum[n] - win[n]) + vn
                win[n] = vn
            # prefix sums of P, TwoSum-compensated in long-epoch builds (comp: a constant)
            for n in prange(N):
                t = am * Pk[n]
                g0 = Gm[n]
                g1 = g0 + t
                Gm1[n] = g1
                if comp:
                    bp = g1 - g0
                    Lm1[n] = Lm[n] + ((g0 - (g1 - bp)) + (t - bp))
            for n in range(N):
                if sflag[n]:
                    spk_new[n_new] = n
                    n_new += 1
            if n_in_win < n_win:
                n_in_win += 1
            for q in range(n_spk):
                i = spk[q]
                xbar[i] = xbar[i] + inc_x
                xf[i] = xbar[i]           # row i's new pending interval starts at k
                f[i] = k
            if m == 0:
                for i in range(N):
                    xf[i] = xbar[i]
                    f[i] = k
            # presynaptic spikes of step k: in one pass over the row, its pending LTP
            # (steps f..k−1, one-directional, so clipped once) then this step's
            # LTD + LTP, clipped to both bounds (rows are disjoint: parallel-safe)
            for q in prange(n_new):
                i = spk_new[q]
                cp = 0.0
                mf = 0
                if xf[i] != 0.0 and f[i] < k:
                    mf = f[i] - E0
                    cp = c_ltp * xf[i] * a_x_pow_neg[mf]
                Gf = G[mf]
                Lf = Glo[mf]
                xi = xbar[i]
                if i < N_E:
                    lo = indptr[i] if plast_ee else split[i]
                    hi = indptr[i + 1] if plast_ei else split[i]
                    for p in range(lo, hi):
                        x = data[p]
                        if x != 0.0:
                            j = indices[p]
                            d = Gm[j] - Gf[j]
                            if comp:
                                d = d + (Lm[j] - Lf[j])
                            x = x + cp * d
                            x = x if x < w_max else w_max
                            x = x + (c_ltd * Dk[j] + c_ltp * (xi * Pk[j]))
                            x = 0.0 if 0.0 > x else x
                            data[p] = w_max if w_max < x else x
                elif plast_ie:
                    for p in range(indptr[i], split[i]):
                        x = data[p]
                        if x != 0.0 or not mask_ie:
                            j = indices[p]
                            d = Gm[j] - Gf[j]
                            if comp:
                                d = d + (Lm[j] - Lf[j])
                            x = x - cp * d
                            x = x if x > w_min else w_min
                            if ltd_ie:
                                x = x - (c_ltd * Dk[j] + c_ltp * (xi * Pk[j]))
                            else:
                                x = x - c_ltp * (xi * Pk[j])
                            x = w_min if w_min > x else x
                            data[p] = 0.0 if 0.0 < x else x
                f[i] = k + 1      # its next interval starts at k+1 (x̄ set then)
                xf[i] = 0.0
            for r in range(n_rec):
                n = rec.neurons[r]
                rec.traces[k, r, 0] = u_m[n]
                rec.traces[k, r, 1] = u_p[n]
                rec.traces[k, r, 2] = xbar[n]
        else:
            for n in prange(N):
                vn = (B * v[n] + xk[n]) + rin[n]
                sflag[n] = vn > theta
                v[n] = 0.0 if vn > theta else vn
            for n in range(N):
                if sflag[n]:
                    spk_new[n_new] = n
                    n_new += 1
        if n_sp + n_new > cap:
            cap = n_sp + n_new if n_sp + n_new > cap * 2 else cap * 2
            t1 = np.empty(cap, np.int32)
            t2 = np.empty(cap, np.int32)
            for q in range(n_sp):     # explicit loop: not turned into a parfor
                t1[q] = sp_n[q]
                t2[q] = sp_k[q]
            sp_n = t1
            sp_k = t2
        for q in range(n_new):
            sp_n[n_sp] = spk_new[q]
            sp_k[n_sp] = k
            n_sp += 1
        for r in range(n_rec):
            rec.v[k, r] = v[rec.neurons[r]]
        for q in range(n_new):
            spk[q] = spk_new[q]
        n_spk = n_new
    return sp_n, sp_k, n_sp


def csr_bundle(indptr, indices, data, n_exc):
    """The :class:`CSR` bundle of CSR arrays (``data`` is used, not copied): indices
    as unsigned views, once, here, and each row's split at the E/I boundary."""
    indptr = indptr.astype(np.int64, copy=False)
    indices = indices.astype(np.int32, copy=False)
    split = np.empty(indptr.shape[0] - 1, np.int64)
    row_split(indptr, indices, n_exc, split)
    return CSR(indptr.view(np.uint64), indices.view(np.uint32), data, split.view(np.uint64))


def run_kernel(kernel, compensated, w, drive, nc, pc, T, v_init, rec_idx, n_chunks):
    """Allocate the work arrays of a kernel build (``compensated`` or not) and run it.

    Parameters
    ----------
    kernel : a build from :data:`KERNELS`
    compensated : bool
        Whether ``kernel`` is a compensated build (its Glo buffer is then allocated).
    w : CSR
        From :func:`csr_bundle`; ``w.data`` is updated in place by plastic runs.
    drive : Drive
    nc : record of NEURON_CONSTANTS
    pc : record of PLASTICITY_CONSTANTS
    T : int
        Steps.
    v_init : ndarray (N,)
        Initial membrane potential, mV.
    rec_idx : ndarray of int64
        Recorded neurons.
    n_chunks : int
        Column chunks of the recurrent sum (parallel builds).

    Returns
    -------
    spike_neurons, spike_steps : ndarray of int32
    v_last : ndarray (N,)
    rec_v : ndarray (T, n_rec)
    rec_tr : ndarray (T, n_rec, 4)
        u⁻, u⁺, x̄, v̄; empty in static runs.
    """
    N = w.indptr.shape[0] - 1
    plastic = pc.plastic
    Np = N if plastic else 0
    n_L = pc.epoch + 1 if plastic else 0
    n_rec = rec_idx.shape[0]
    fw = np.zeros((10, N))
    # v, and "u_{-1}" = v_init, so that u_0 = a·v_init + v_init/τ
    fw[0] = fw[3] = fw[4] = v_init
    b = Buffers(*fw, f=np.zeros(N, np.int64), spk=np.empty((2, N), np.int32),
                sflag=np.zeros(N, np.bool_),
                window=np.zeros((pc.vbar_window if plastic else 0, Np)),
                G=np.empty((n_L, Np)), Glo=np.empty((n_L, Np if compensated else 0)),
                cdf=np.empty((CDF_LEN, N if drive.counts.shape[0] != T else 0)),
                a_x_pow_neg=np.empty(n_L))
    rec = Recording(rec_idx, np.zeros((T if n_rec > 0 else 0, n_rec)),
                    np.zeros((T if n_rec > 0 and plastic else 0, n_rec, 4)))
    cap = 1024 + N * 4                        # spike buffers; the kernel grows them
    sp_n, sp_k, n_sp = kernel(w, drive, nc, pc, b, rec, T, n_chunks,
                              np.empty(cap, np.int32), np.empty(cap, np.int32))
    return sp_n[:n_sp].copy(), sp_k[:n_sp].copy(), b.v.copy(), rec.v, rec.traces


_COMPENSATED = False   # rebound per build by _compiled
_PARALLEL = False      # rebound per build by _compiled


def _compiled(fn, name, parallel, compensated):
    """Compile ``fn`` under its own name; ``_COMPENSATED``, ``_PARALLEL`` are constants.

    numba's cache index ignores target options (numba issue #6845), so each build
    (serial/parallel × plain/compensated prefix sums) needs a distinct name; a constant
    instead of a runtime flag keeps branches out of the innermost loops.
    """
    glb = dict(fn.__globals__, _COMPENSATED=compensated, _PARALLEL=parallel)
    clone = types.FunctionType(fn.__code__, glb, name, fn.__defaults__, fn.__closure__)
    clone.__qualname__ = name
    clone.__doc__ = fn.__doc__
    return njit(cache=True, nogil=True, parallel=parallel)(clone)


#: the builds of the simulation kernel, by (parallel, compensated); compiled lazily on
#: first use. Compensated prefix sums are for epochs longer than COMPENSATE_ABOVE.
KERNELS = {(par, comp): _compiled(_run, f"run_{'parallel' if par else 'serial'}"
                                        f"{'_compensated' if comp else ''}", par, comp)
           for par in (False, True) for comp in (False, True)}
