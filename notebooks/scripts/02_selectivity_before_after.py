# %% [markdown]
# # 2. Selectivity before and after learning
#
# **Question.** The naive network of notebook 1 inherits its orientation tuning from the
# weakly tuned input. Does synaptic plasticity, driven only by experience of randomly
# oriented stimuli, make neurons **more selective**?
#
# The learning protocol of the published code is as follows. Take the naive network, then
# run 40 *learning blocks* of 2 s. Each block shows 20 orientations drawn uniformly from
# [0°, 180°), for 100 ms each, with fresh Poisson input, while the weights change under the
# voltage-based plasticity rule written out below.
#
# The published analysis shows spike rasters at a single test orientation (90°) before and
# after learning. Selectivity, however, needs **tuning curves**. We present 12
# orientations (every 15°, 2 s each) to the network before and after learning, with the
# *same* input realisation both times, so the only difference is the weights.
#
# *Previous: [01 network construction](01_network_construction.ipynb) · Next: [03 connectivity](03_connectivity_emergence.ipynb)*

# %%
# %matplotlib inline
from sensorynet import experiments, plotting, widgets

# %% [markdown]
# ## The plasticity rule (`docs/model.md` §4)
#
# A voltage-based rule after Clopath et al. (2010) acts at every 1 ms step $k$ of a learning
# block, after threshold and reset. Three low-pass traces follow the previous step's
# post-reset potential $v$ and spikes $s$ ($a_\bullet = e^{-\Delta t/\tau_\bullet}$):
#
# $$\bar u_{-,i}[k] = a_-\,\bar u_{-,i}[k-1] + \frac{v_i[k-1]}{\tau_-},\qquad
# \bar u_{+,i}[k] = a_+\,\bar u_{+,i}[k-1] + \frac{v_i[k-1]}{\tau_+},\qquad
# \bar x_j[k] = a_x\,\bar x_j[k-1] + \frac{s_j[k-1]}{\tau_x},$$
#
# and $\bar v_i[k]$ is the mean of $v_i$ over the last $n_{\bar v}$ steps (a homeostatic
# average). The synapse from $j$ to $i$ then changes by ($[y]_+ = \max(y, 0)$)
#
# $$\Delta W^{-}_{ji}[k] = -\,\Delta t\,A_{LTD}\; s_j[k]\;\frac{\bar v_i[k]^2}{u_{ref}^2}\,
# \bigl[\bar u_{-,i}[k] - \theta_-\bigr]_+ \qquad\text{(LTD: a presynaptic spike now)},$$
#
# $$\Delta W^{+}_{ji}[k] = +\,\Delta t\,A_{LTP}\; \bar x_j[k]\;
# \bigl[v_i[k] - \theta_+\bigr]_+\,\bigl[\bar u_{+,i}[k] - \theta_-\bigr]_+ \qquad\text{(LTP: recent presynaptic spikes and a depolarised postsynaptic neuron)}.$$
#
# E→E and E→I synapses take $W_{ji} \leftarrow W_{ji} + \Delta W^-_{ji} + \Delta W^+_{ji}$,
# clipped to $[0, w_{max}]$; I→E synapses take the sign-flipped update
# $W_{ji} \leftarrow W_{ji} - (\delta_{LTD}\,\Delta W^-_{ji} + \Delta W^+_{ji})$, clipped to
# $[w_{min,inh}, 0]$, so LTP makes inhibition *stronger* (notebook 4 varies
# $\delta_{LTD}$); I→I synapses never change, and only existing synapses are updated
# (no synapse is ever created). The parameter values, from the parameter object the
# simulator uses:

# %%
# NBVAL_CHECK_OUTPUT
import sensorynet as sn
pl = sn.ModelParams().plasticity
for name, sym, unit in [("A_LTD", "A_LTD", "1/mV"), ("A_LTP", "A_LTP", "1/mV^2"),
                        ("tau_minus", "tau_-", "ms"), ("tau_plus", "tau_+", "ms"),
                        ("tau_x", "tau_x", "ms"), ("theta_minus", "theta_-", "mV"),
                        ("theta_plus", "theta_+", "mV"), ("u_ref2", "u_ref^2", "mV^2"),
                        ("vbar_window", "n_vbar", "steps"), ("w_max", "w_max", "mV"),
                        ("w_min_inh", "w_min,inh", "mV")]:
    print(f"{sym:>10} = {getattr(pl, name):g} {unit}")
print(f"plastic: E->E {pl.plastic_EE}, E->I {pl.plastic_EI}, I->E {pl.plastic_IE} "
      f"(I->E LTD term: {pl.ltd_IE}); I->I never")

# %% [markdown]
# ## Learning (computed once, then cached)
#
# `load_published` runs the published experiment: construction, *Before* test, 40
# learning blocks, *After* test. It takes about a second, and the result is stored in the
# results cache, keyed by parameters, seed and package version. Notebooks 3 and 4 load
# this same learned network instead of recomputing it.

# %%
pub = experiments.load_published(seed=0)
pub

# %% [markdown]
# ## The raster figure of the published code
#
# Each panel is 2 s of activity: one dot per spike, with neurons ordered by input PO
# (E red, I blue). Below each raster, a colour strip shows the stimulus orientation and a
# trace shows the population rate, and at the right of each raster a margin shows every
# neuron's rate. The panels are, from left to right: the 90° test before learning, the first learning
# block, the last learning block, and the 90° test after learning.
#
# **What to look for:**
# * *Before*: E neurons near 90° (index ≈ 200) fire most. Activity spreads broadly over
#   neighbouring POs, reflecting the broad input tuning.
# * *During learning*: the active band of E neurons follows the stimulus as it jumps from
#   one orientation to the next every 100 ms.
# * *After*: the E rate has halved (≈ 8 → 4 Hz) while inhibitory neurons fire a little more. The
#   active band is narrower, and neurons far from 90° are silent. This is the
#   raster signature of sharper selectivity.

# %%
plotting.plot_rasters(pub)

# %% [markdown]
# ## Tuning curves before and after
#
# `selectivity_analysis` runs the tuning protocol on the naive weights $W_0$ and on the
# learned weights $W$. It takes about 0.2 s. Selectivity is measured with the orientation
# selectivity index
# $\text{OSI} = |\sum_\theta r(\theta)e^{2i\theta}| / \sum_\theta r(\theta)$
# (1 − circular variance). It is 0 for a flat tuning curve and 1 for a neuron that
# responds to one orientation only.

# %%
sel = experiments.selectivity_analysis(pub)

# %%
# NBVAL_CHECK_OUTPUT
m = sel.metrics()
for pop in ("E", "I"):
    print(f"{pop} neurons: mean OSI {m['osi']['before'][pop]:.3f} -> {m['osi']['after'][pop]:.3f}  "
          f"(Poisson-debiased {m['osi_debiased']['before'][pop]:.3f} -> {m['osi_debiased']['after'][pop]:.3f}), "
          f"mean rate {m['tuning_rates']['before'][pop]:.2f} -> {m['tuning_rates']['after'][pop]:.2f} Hz")
print(f"median |measured PO - input PO| of E neurons after learning: "
      f"{m['po_match_E']['after']['median_abs_diff_deg']:.1f} deg")

# %% [markdown]
# **What to look for in the example tuning curves** (three E neurons on top, three I neurons
# below, dashed before and solid after):
# * E neurons keep their preferred orientation, but their responses at non-preferred
#   orientations drop much more than at the peak. The curve narrows and the OSI rises.
# * I neurons receive almost untuned input ($m_I = 0.02$), so they start nearly
#   untuned. After learning they pick up some tuning through the E→I synapses that
#   learning has shaped.

# %%
plotting.plot_tuning_examples(sel)

# %% [markdown]
# **OSI distributions.** The whole E population shifts to higher OSI (left), and I neurons
# become moderately selective (right). The dotted lines mark the OSI that Poisson noise alone
# would produce for a neuron with the same number of spikes: measured selectivity is well above
# this noise floor.

# %%
plotting.plot_osi_distributions(sel)

# %% [markdown]
# **Measured PO against input PO.** Learning sharpens tuning without moving it: after learning
# each E neuron still prefers the orientation its input prefers, since the points lie on the
# diagonal. The network reinforces the input's map rather than inventing a new one.

# %%
plotting.plot_po_out_vs_in(sel)

# %% [markdown]
# The selectivity analysis tests the paper's selectivity claims on this run, each a
# one-sided test with its effect, 95 % confidence interval and p-value (the connectivity
# claims are tested in notebook 3):

# %%
widgets.claims_table(sel.claims())

# %% [markdown]
# ## Try it: any neuron, and learning of a different length
#
# * Move the **neuron** slider to see any neuron's tuning curve before and after learning,
#   and where its OSI falls in the population. This only redraws. Neurons 0–399 are
#   excitatory, 400–499 inhibitory.
# * Change the **learning blocks** (e.g. 0, 5, 10, 80) or the **seed** and press
#   *Learn & measure tuning*. The network learns from scratch with a progress bar, and the result is cached: the
#   same settings come back instantly the next time, in any notebook. The mean OSI of E neurons
#   rises with the number of blocks (notebook 3's block slider shows it block by block;
#   `tests/widgets/test_trends.py` checks the rise on seeds 0–2), and with 0 blocks
#   before and after are identical.

# %%
widgets.selectivity_panel(pub, neuron=123)

# %% [markdown]
# **Summary.** Experience of uniformly random orientations makes E neurons markedly more
# selective (mean OSI ≈ 0.66 → 0.83) and lowers their rates, while their preferred
# orientations stay where the input put them. I neurons become moderately tuned. The
# cause is a change in the recurrent weights, which is the subject of the next notebook.
