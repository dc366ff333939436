"""Private numba kernels: the compiled core.

Only arrays and scalars cross this boundary; :mod:`sensorynet._simulation` validates and
packs everything. Weights are held in CSR form by presynaptic row (``indptr``,
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

import numpy as np
from numba import njit, prange

from ._network_kernel import csr_to_dense, csr_to_dense_fill, dense_to_csr  # noqa: F401
from ._rng import CDF_LEN, cdf_table, counts_step

# ---- indices into the float constant vector --------------------------------------
C_B, C_THETA, C_DT, C_AM, C_AP, C_AX, C_TAUM, C_TAUP, C_TAUX, C_ALTD, C_ALTP, \
    C_THM, C_THP, C_UREF2, C_WMAX, C_WMIN = range(16)
N_CONSTS = 16
# ---- indices into the integer flag vector ----------------------------------------
F_NE, F_VWIN, F_PLASTIC, F_EE, F_EI, F_IE, F_LTD_IE, F_MASK_IE, F_EPOCH = range(9)
N_FLAGS = 9

#: epochs longer than this accumulate the prefix sums in compensated form: a_x^−100 ≈
#: 800 costs under 3 of 16 digits, longer epochs need the extra precision
COMPENSATE_ABOVE = 100
#: bounds on L·dt/τ_x for an epoch of L steps (see the module docstring): the lazy
#: LTP rescales x̄ by up to a_x^−L = exp(L·dt/τ_x) within an epoch
MAX_EPOCH_DECAY_PLAIN = 8.0
MAX_EPOCH_DECAY_COMPENSATED = 30.0


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


def _run(indptr, indices, data, split, x_tm, gen_mu, gen_expm, seg_len, key, T, consts,
         flags, rec_idx, n_chunks, fw, f, spk2, sflag, window, G, Glo, cdf, a_x_pow_neg,
         rec_v, rec_tr, sp_n, sp_k):
    """Simulate T steps. Modifies ``data`` in place (the caller passes a copy).

    Input: if ``x_tm`` has T rows it is read (time-major counts); otherwise counts are
    generated from ``gen_mu``/``gen_expm`` (n_seg × N per-step means), ``seg_len`` and
    ``key``. Column indices must be sorted within each row. ``n_chunks``: column
    chunks of the recurrent sum (1 when serial; results do not depend on it).
    ``flags[F_EPOCH]`` is the epoch length L >= 1, which must satisfy
    L·dt/τ_x <= MAX_EPOCH_DECAY_COMPENSATED (compensated builds) or
    <= MAX_EPOCH_DECAY_PLAIN (plain builds), so that a_x^−L <= e^30 resp. e^8 (module
    docstring); :func:`sensorynet._simulation.epoch_steps` chooses it so.

    The work arrays (``fw`` ... ``sp_k``) come from :func:`run_kernel`, which
    documents them. Returns the spike buffers (neurons, steps; grown if full) and the
    number of spikes; v_last is left in ``fw[W_V]``, recordings in ``rec_v``, ``rec_tr``.
    """
    N = indptr.shape[0] - 1
    B = consts[C_B]
    theta = consts[C_THETA]
    dt = consts[C_DT]
    N_E = flags[F_NE]
    plastic = flags[F_PLASTIC] != 0
    plast_ee = flags[F_EE] != 0
    plast_ei = flags[F_EI] != 0
    plast_ie = flags[F_IE] != 0
    ltd_ie = flags[F_LTD_IE] != 0
    mask_ie = flags[F_MASK_IE] != 0
    L = flags[F_EPOCH]
    n_win = flags[F_VWIN]
    use_gen = x_tm.shape[0] != T
    n_ch = n_chunks if _PARALLEL else 1    # serial builds: no chunking code compiled

    a_m = consts[C_AM]
    a_p = consts[C_AP]
    a_x = consts[C_AX]
    tau_m_ = consts[C_TAUM]
    tau_p_ = consts[C_TAUP]
    tau_x_ = consts[C_TAUX]
    th_m = consts[C_THM]
    th_p = consts[C_THP]
    uref2 = consts[C_UREF2]
    w_max = consts[C_WMAX]
    w_min = consts[C_WMIN]
    inv_tau_m = 1.0 / tau_m_
    inv_tau_p = 1.0 / tau_p_
    inv_uref2 = 1.0 / uref2
    c_ltd = -dt * consts[C_ALTD]
    c_ltp = dt * consts[C_ALTP]

    cap = sp_n.shape[0]
    n_sp = 0
    n_rec = rec_idx.shape[0]
    v = fw[W_V]
    xk = fw[W_XK]
    rec = fw[W_REC]
    spk = spk2[0]                     # neurons that spiked at the previous step
    n_spk = 0
    spk_new = spk2[1]
    u_m = fw[W_UM]
    u_p = fw[W_UP]
    xbar = fw[W_XBAR]
    vsum = fw[W_VSUM]                 # sum of the last n_in_win post-reset v
    xf = fw[W_XF]                     # x̄ of the row's neuron at step f
    Dk = fw[W_DK]                     # LTD factor of each postsynaptic neuron, step k
    Pk = fw[W_PK]                     # LTP factor of each postsynaptic neuron, step k
    n_in_win = 0
    comp = _COMPENSATED      # a compile-time constant of each build (see _compiled)
    if plastic:              # row 0 of the prefix sums is the only one read unwritten
        G[0, :] = 0.0
        Glo[0, :] = 0.0
    for m in range(a_x_pow_neg.shape[0]):
        a_x_pow_neg[m] = a_x ** (-m)
    E0 = 0

    n_seg = gen_mu.shape[0]
    cur_seg = -1
    # k = T only flushes the pending LTP (one inlined flush loop: it costs compile time)
    for k in range(T + 1):
        if k < T:
            # ---- input counts of this step
            if use_gen:
                seg = k // seg_len
                seg = n_seg - 1 if n_seg - 1 < seg else seg
                if seg != cur_seg:
                    cdf_table(gen_mu, gen_expm, seg, cdf)
                    cur_seg = seg
                counts_step(key, k, N, cdf, gen_mu, gen_expm, seg, xk)
            else:
                for n in range(N):
                    xk[n] = x_tm[k, n]
            # ---- recurrent input: rows of the neurons that spiked at step k−1
            # (split into column chunks, each summing the rows in increasing order, so
            # the sums are the same whatever the number of chunks)
            for ch in prange(n_ch):
                j0 = ch * N // n_ch
                j1 = (ch + 1) * N // n_ch
                for n in range(j0, j1):
                    rec[n] = 0.0
                for q in range(n_spk):
                    i = spk[q]
                    p0 = indptr[i]
                    p1 = indptr[i + 1]
                    if _PARALLEL and n_ch > 1:     # pruned from serial builds
                        p0, p1 = p0 + np.uint64(np.searchsorted(indices[p0:p1], j0)), \
                            p0 + np.uint64(np.searchsorted(indices[p0:p1], j1))
                    for p in range(p0, p1):
                        rec[indices[p]] += data[p]
        if plastic and (k - E0 == L or k == T):
            # epoch boundary or end: flush all pending LTP (through k−1), restart the sums
            for i in prange(N):
                _flush_row(i, k, E0, f, xf, G, Glo, comp, indptr, split, indices, data, N_E, c_ltp,
                           w_max, w_min, plast_ee, plast_ei, plast_ie, mask_ie,
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
                rec_tr[k, r, 3] = vsum[rec_idx[r]] * inv_cnt     # v̄_k excludes step k
            Gm = G[m]
            Gm1 = G[m + 1]
            Lm = Glo[m]
            Lm1 = Glo[m + 1]
            win = window[slot]
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
                vn = (B * vp + xk[n]) + rec[n]
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
                xbar[i] = xbar[i] + 1.0 / tau_x_
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
                        w = data[p]
                        if w != 0.0:
                            j = indices[p]
                            d = Gm[j] - Gf[j]
                            if comp:
                                d = d + (Lm[j] - Lf[j])
                            w = w + cp * d
                            w = w if w < w_max else w_max
                            w = w + (c_ltd * Dk[j] + c_ltp * (xi * Pk[j]))
                            w = 0.0 if 0.0 > w else w
                            data[p] = w_max if w_max < w else w
                elif plast_ie:
                    for p in range(indptr[i], split[i]):
                        w = data[p]
                        if w != 0.0 or not mask_ie:
                            j = indices[p]
                            d = Gm[j] - Gf[j]
                            if comp:
                                d = d + (Lm[j] - Lf[j])
                            w = w - cp * d
                            w = w if w > w_min else w_min
                            if ltd_ie:
                                w = w - (c_ltd * Dk[j] + c_ltp * (xi * Pk[j]))
                            else:
                                w = w - c_ltp * (xi * Pk[j])
                            w = w_min if w_min > w else w
                            data[p] = 0.0 if 0.0 < w else w
                f[i] = k + 1      # its next interval starts at k+1 (x̄ set then)
                xf[i] = 0.0
            for r in range(n_rec):
                n = rec_idx[r]
                rec_tr[k, r, 0] = u_m[n]
                rec_tr[k, r, 1] = u_p[n]
                rec_tr[k, r, 2] = xbar[n]
        else:
            for n in prange(N):
                vn = (B * v[n] + xk[n]) + rec[n]
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
            rec_v[k, r] = v[rec_idx[r]]
        for q in range(n_new):
            spk[q] = spk_new[q]
        n_spk = n_new
    return sp_n, sp_k, n_sp


#: rows of the float work array ``fw`` of the kernel
W_V, W_XK, W_REC, W_UM, W_UP, W_XBAR, W_VSUM, W_XF, W_DK, W_PK = range(10)


def run_kernel(kernel, compensated, indptr, indices, data, x_tm, gen_mu, gen_expm,
               seg_len, key, T, v_init, consts, flags, rec_idx, n_chunks):
    """Allocate the work arrays of a kernel build (``compensated`` or not) and run it.

    numpy allocates them: inside the kernel, numba would compile np.empty/np.zeros for
    every dtype and shape on an empty cache (~1 s of a first run). Arguments as
    documented in ``_run`` (``v_init``: initial v). Returns
    spike_neurons, spike_steps, v_last, rec_v (T×n_rec), rec_tr (T×n_rec×4: u⁻, u⁺,
    x̄, v̄; empty in static runs).
    """
    N = indptr.shape[0] - 1
    plastic = flags[F_PLASTIC] != 0
    Np = N if plastic else 0
    n_L = flags[F_EPOCH] + 1 if plastic else 0
    n_rec = rec_idx.shape[0]
    split = np.empty(N, np.int64)
    row_split(indptr, indices, flags[F_NE], split)
    fw = np.zeros((10, N))
    # v, and "u_{-1}" = v_init, so that u_0 = a·v_init + v_init/τ
    fw[W_V] = fw[W_UM] = fw[W_UP] = v_init
    f = np.zeros(N, np.int64)                 # first step of the pending LTP of each row
    spk2 = np.empty((2, N), np.int32)
    sflag = np.zeros(N, np.bool_)
    window = np.zeros((flags[F_VWIN] if plastic else 0, Np))    # last post-reset v
    # prefix sums, high part and (compensated builds) their rounding errors
    G = np.empty((n_L, Np))
    Glo = np.empty((n_L, Np if compensated else 0))
    cdf = np.empty((CDF_LEN, N if x_tm.shape[0] != T else 0))
    rec_v = np.zeros((T if n_rec > 0 else 0, n_rec))
    rec_tr = np.zeros((T if n_rec > 0 and plastic else 0, n_rec, 4))   # plastic only
    cap = 1024 + N * 4                        # spike buffers; the kernel grows them
    # unsigned views (same bits, non-negative): numba wraps signed indices around
    # (3 instructions per access in the synapse loops; ~20 % of the kernel's time)
    sp_n, sp_k, n_sp = kernel(
        indptr.astype(np.int64, copy=False).view(np.uint64),
        indices.astype(np.int32, copy=False).view(np.uint32), data,
        split.view(np.uint64), x_tm, gen_mu, gen_expm, seg_len, key, T, consts,
        flags, rec_idx, n_chunks, fw, f, spk2, sflag, window, G, Glo, cdf, np.empty(n_L),
        rec_v, rec_tr, np.empty(cap, np.int32), np.empty(cap, np.int32))
    return sp_n[:n_sp].copy(), sp_k[:n_sp].copy(), fw[W_V].copy(), rec_v, rec_tr


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
