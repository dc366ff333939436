"""Private numba kernels: the compiled core.

Only arrays and scalars cross this boundary; :mod:`sensorynet.simulate` validates and
packs everything. Weights are held in CSR form by presynaptic row (``indptr``,
``indices``, ``data``), which serves the published dense N=500 network (converted on
entry) and sparse networks of 10^5 neurons alike.

Algorithm (MODEL.md §3–4, with the "useful fact" of §4):

* the recurrent input of step k is the sum of the rows of the neurons that spiked at
  step k−1, so a row is read only right after its neuron spiked;
* between two spikes of presynaptic i, row i only receives LTP, all of one sign,
  proportional to x̄_k[i]·P_k[j] with P_k[j] = [v_k[j]−θ⁺]₊[u⁺_k[j]−θ⁻]₊, and x̄[i]
  decays geometrically (x̄_k = x̄_f·a^{k−f}). So the LTP of row i is applied lazily,
  when i spikes (before its LTD), at the end of an epoch, or at the end of the run,
  from per-postsynaptic prefix sums G_m[j] = Σ_{k'<E0+m} a^{k'−E0} P_{k'}[j].
  Clipping a one-directional sequence once equals clipping every step.
* the prefix sums restart every ``epoch`` steps (all pending rows are flushed), which
  keeps a^{−m} small and the differences G_m − G_f free of cancellation.

Poisson input may be generated inside the kernel by a counter-based generator
(SplitMix64 evaluated at position k·N + n, inverted against the Poisson CDF), so the
same key gives the same counts whether they are materialised first or not.
"""
import numpy as np
from numba import njit

# ---- indices into the float constant vector --------------------------------------
C_B, C_THETA, C_DT, C_AM, C_AP, C_AX, C_TAUM, C_TAUP, C_TAUX, C_ALTD, C_ALTP, \
    C_THM, C_THP, C_UREF2, C_WMAX, C_WMIN = range(16)
N_CONSTS = 16
# ---- indices into the integer flag vector ----------------------------------------
F_NE, F_VWIN, F_PLASTIC, F_EE, F_EI, F_IE, F_LTD_IE, F_MASK_IE, F_EPOCH = range(9)
N_FLAGS = 9

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _uniform(key, pos):
    """SplitMix64 output number ``pos`` of the stream ``key``, as a double in [0, 1)."""
    z = key + (pos + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _poisson(u, mu, expm):
    """Poisson count with mean ``mu`` by inversion of the CDF at ``u`` (exp(−mu)=expm)."""
    p = expm
    F = p
    c = 0
    while u >= F and c < 4096:
        c += 1
        p = p * mu / c
        F += p
        if p == 0.0 and F < u:   # u beyond what float64 resolves in the tail
            break
    return c


@njit(cache=True)
def poisson_counts(mu, expm, seg_len, key, T, out):
    """Fill ``out`` (T×N, time-major) with generated counts. ``mu``: (n_seg, N)."""
    N = mu.shape[1]
    n_seg = mu.shape[0]
    for k in range(T):
        seg = k // seg_len
        if seg >= n_seg:
            seg = n_seg - 1
        base = np.uint64(k) * np.uint64(N)
        for n in range(N):
            u = _uniform(key, base + np.uint64(n))
            out[k, n] = _poisson(u, mu[seg, n], expm[seg, n])


@njit(cache=True)
def dense_to_csr(W, keep_zero_block_rows_from, keep_zero_block_cols_to):
    """CSR of the nonzeros of W; in rows >= r0 also keep zeros in columns < c1."""
    N = W.shape[0]
    indptr = np.zeros(N + 1, np.int64)
    for i in range(N):
        c = 0
        for j in range(W.shape[1]):
            if W[i, j] != 0.0 or (i >= keep_zero_block_rows_from and j < keep_zero_block_cols_to):
                c += 1
        indptr[i + 1] = indptr[i] + c
    indices = np.empty(indptr[N], np.int32)
    data = np.empty(indptr[N], np.float64)
    for i in range(N):
        p = indptr[i]
        for j in range(W.shape[1]):
            if W[i, j] != 0.0 or (i >= keep_zero_block_rows_from and j < keep_zero_block_cols_to):
                indices[p] = j
                data[p] = W[i, j]
                p += 1
    return indptr, indices, data


@njit(cache=True)
def csr_to_dense(indptr, indices, data, N, out):
    for i in range(N):
        for p in range(indptr[i], indptr[i + 1]):
            out[i, indices[p]] = data[p]


@njit(cache=True, inline="always")
def _flush_row(i, k, E0, f, xf, G, indptr, indices, data, N_E, c_ltp, w_max, w_min,
               plast_ee, plast_ei, plast_ie, mask_ie, a_x_pow_neg):
    """Apply row i's pending LTP accumulated over steps f[i] .. k−1; clip once."""
    if xf[i] == 0.0 or f[i] >= k:
        f[i] = k
        return
    mf = f[i] - E0
    m = k - E0
    c = c_ltp * xf[i] * a_x_pow_neg[mf]
    if i < N_E:
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            w = data[p]
            if w != 0.0 and ((j < N_E and plast_ee) or (j >= N_E and plast_ei)):
                w = w + c * (G[m, j] - G[mf, j])
                if w > w_max:
                    w = w_max
                data[p] = w
    elif plast_ie:
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j >= N_E:
                break   # indices sorted: the I→E block is the row's prefix
            w = data[p]
            if w != 0.0 or not mask_ie:
                w = w - c * (G[m, j] - G[mf, j])
                if w < w_min:
                    w = w_min
                data[p] = w
    f[i] = k


@njit(cache=True)
def run(indptr, indices, data, x_tm, gen_mu, gen_expm, seg_len, key, T, v_init,
        consts, flags, rec_idx):
    """Simulate T steps. Modifies ``data`` in place (the caller passes a copy).

    Input: if ``x_tm`` has T rows it is read (time-major counts); otherwise counts are
    generated from ``gen_mu``/``gen_expm`` (n_seg × N per-step means), ``seg_len`` and
    ``key``.

    Returns spike_neurons, spike_steps, v_last, rec_v (T×n_rec), rec_tr (T×n_rec×4:
    u⁻, u⁺, x̄, v̄; zeros in static runs).
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

    a_m = consts[C_AM]
    a_p = consts[C_AP]
    a_x = consts[C_AX]
    tau_m_ = consts[C_TAUM]
    tau_p_ = consts[C_TAUP]
    tau_x_ = consts[C_TAUX]
    A_ltd = consts[C_ALTD]
    A_ltp = consts[C_ALTP]
    th_m = consts[C_THM]
    th_p = consts[C_THP]
    uref2 = consts[C_UREF2]
    w_max = consts[C_WMAX]
    w_min = consts[C_WMIN]
    c_ltd = -dt * A_ltd
    c_ltp = dt * A_ltp

    # spikes, growable
    cap = 1024 + N * 4
    sp_n = np.empty(cap, np.int32)
    sp_k = np.empty(cap, np.int32)
    n_sp = 0

    n_rec = rec_idx.shape[0]
    rec_v = np.zeros((T if n_rec > 0 else 0, n_rec))
    rec_tr = np.zeros((T if n_rec > 0 else 0, n_rec, 4))

    v = np.empty(N)
    xk = np.empty(N)
    rec = np.zeros(N)
    spk = np.empty(N, np.int32)       # neurons that spiked last step
    n_spk = 0
    spk_new = np.empty(N, np.int32)

    # plasticity state (allocated minimally when static)
    Np = N if plastic else 0
    u_m = np.empty(Np)
    u_p = np.empty(Np)
    xbar = np.zeros(Np)
    v_prev = np.empty(Np)
    vsum = np.zeros(Np)
    window = np.zeros((n_win if plastic else 0, Np))
    n_in_win = 0
    G = np.zeros((L + 1 if plastic else 0, Np))
    f = np.zeros(Np, np.int64)         # first step of pending LTP per row
    xf = np.zeros(Np)                  # x̄ at step f
    a_x_pow_neg = np.empty(L + 1 if plastic else 0)
    for m in range(a_x_pow_neg.shape[0]):
        a_x_pow_neg[m] = a_x ** (-m)
    Dk = np.empty(Np)
    E0 = 0
    if plastic:
        for n in range(N):
            u_m[n] = v_init[n]
            u_p[n] = v_init[n]
            v_prev[n] = v_init[n]

    n_seg = gen_mu.shape[0]
    for k in range(T):
        # ---- input counts of this step
        if use_gen:
            seg = k // seg_len
            if seg >= n_seg:
                seg = n_seg - 1
            base = np.uint64(k) * np.uint64(N)
            for n in range(N):
                u = _uniform(key, base + np.uint64(n))
                xk[n] = _poisson(u, gen_mu[seg, n], gen_expm[seg, n])
        else:
            for n in range(N):
                xk[n] = x_tm[k, n]
        # ---- membrane: (B·v + x) + recurrent input of last step's spikes
        if k == 0:
            for n in range(N):
                v[n] = B * v_init[n] + xk[n]
        else:
            for n in range(N):
                rec[n] = 0.0
            for q in range(n_spk):
                i = spk[q]
                for p in range(indptr[i], indptr[i + 1]):
                    rec[indices[p]] += data[p]
            for n in range(N):
                v[n] = (B * v[n] + xk[n]) + rec[n]
        n_new = 0
        for n in range(N):
            if v[n] > theta:
                v[n] = 0.0
                spk_new[n_new] = n
                n_new += 1
        if n_sp + n_new > cap:
            cap = max(cap * 2, n_sp + n_new)
            t1 = np.empty(cap, np.int32)
            t2 = np.empty(cap, np.int32)
            t1[:n_sp] = sp_n[:n_sp]
            t2[:n_sp] = sp_k[:n_sp]
            sp_n = t1
            sp_k = t2
        for q in range(n_new):
            sp_n[n_sp] = spk_new[q]
            sp_k[n_sp] = k
            n_sp += 1

        if plastic:
            # ---- traces from the previous step's values
            for n in range(N):
                u_m[n] = a_m * u_m[n] + v_prev[n] / tau_m_
                u_p[n] = a_p * u_p[n] + v_prev[n] / tau_p_
                xbar[n] = a_x * xbar[n]
            for q in range(n_spk):
                i = spk[q]
                xbar[i] = xbar[i] + 1.0 / tau_x_
                # row i starts a new pending interval at this step with x̄_k
                xf[i] = xbar[i]
                f[i] = k
            # ---- epoch boundary: flush all pending LTP, restart prefix sums
            if k - E0 == L:
                for i in range(N):
                    _flush_row(i, k, E0, f, xf, G, indptr, indices, data, N_E, c_ltp,
                               w_max, w_min, plast_ee, plast_ei, plast_ie, mask_ie,
                               a_x_pow_neg)
                E0 = k
                for i in range(N):
                    xf[i] = xbar[i]
                    f[i] = k
            m = k - E0
            am = a_x ** m if m > 0 else 1.0
            inv_cnt = 1.0 / n_in_win if n_in_win > 0 else 0.0
            for n in range(N):
                vb = vsum[n] * inv_cnt
                Dk[n] = (vb * vb / uref2) * max(u_m[n] - th_m, 0.0)
                P = max(v[n] - th_p, 0.0) * max(u_p[n] - th_m, 0.0)
                G[m + 1, n] = G[m, n] + am * P
            # ---- presynaptic spikes of this step: flush, then this step's LTD+LTP
            for q in range(n_new):
                i = spk_new[q]
                _flush_row(i, k, E0, f, xf, G, indptr, indices, data, N_E, c_ltp,
                           w_max, w_min, plast_ee, plast_ei, plast_ie, mask_ie,
                           a_x_pow_neg)
                xi = xbar[i]
                if i < N_E:
                    for p in range(indptr[i], indptr[i + 1]):
                        j = indices[p]
                        w = data[p]
                        if w != 0.0 and ((j < N_E and plast_ee) or (j >= N_E and plast_ei)):
                            P = max(v[j] - th_p, 0.0) * max(u_p[j] - th_m, 0.0)
                            w = w + (c_ltd * Dk[j] + c_ltp * (xi * P))
                            w = min(max(w, 0.0), w_max)
                            data[p] = w
                elif plast_ie:
                    for p in range(indptr[i], indptr[i + 1]):
                        j = indices[p]
                        if j >= N_E:
                            break
                        w = data[p]
                        if w != 0.0 or not mask_ie:
                            P = max(v[j] - th_p, 0.0) * max(u_p[j] - th_m, 0.0)
                            if ltd_ie:
                                w = w - (c_ltd * Dk[j] + c_ltp * (xi * P))
                            else:
                                w = w - c_ltp * (xi * P)
                            w = min(max(w, w_min), 0.0)
                            data[p] = w
                f[i] = k + 1      # x̄ for k+1 is recorded at the next step
                xf[i] = 0.0
            for r in range(n_rec):
                n = rec_idx[r]
                rec_tr[k, r, 0] = u_m[n]
                rec_tr[k, r, 1] = u_p[n]
                rec_tr[k, r, 2] = xbar[n]
                rec_tr[k, r, 3] = vsum[n] * inv_cnt
            # ---- bookkeeping
            slot = k % n_win
            for n in range(N):
                if n_in_win == n_win:
                    vsum[n] -= window[slot, n]
                window[slot, n] = v[n]
                vsum[n] += v[n]
                v_prev[n] = v[n]
            if n_in_win < n_win:
                n_in_win += 1
        for r in range(n_rec):
            rec_v[k, r] = v[rec_idx[r]]
        for q in range(n_new):
            spk[q] = spk_new[q]
        n_spk = n_new

    if plastic:
        for i in range(N):
            _flush_row(i, T, E0, f, xf, G, indptr, indices, data, N_E, c_ltp,
                       w_max, w_min, plast_ee, plast_ei, plast_ie, mask_ie, a_x_pow_neg)
    return sp_n[:n_sp].copy(), sp_k[:n_sp].copy(), v.copy(), rec_v, rec_tr
