# %% [markdown]
# # 3. The emergence of specific connectivity
#
# **Question.** Notebook 2 showed that learning sharpens tuning. What did learning write into the
# recurrent weights to cause this? The paper's answer is **feature-specific connectivity**:
# excitatory neurons with similar preferred orientations (small ΔPO) become strongly
# connected, dissimilar ones are weakened, and strong connections tend to be
# **bidirectional**. This is the pattern found in mouse visual cortex (Ko et al. 2011). Here we look at the
# learned weight matrix from several angles, then watch the structure appear block by
# block.
#
# **The rule that writes it** (notebook 2 and `docs/model.md` §4 give it in full): a
# synapse $j\to i$ is potentiated by
# $\Delta W^{+}_{ji} = \Delta t\,A_{LTP}\,\bar x_j\,[v_i - \theta_+]_+\,[\bar u_{+,i} - \theta_-]_+$
# when recent presynaptic spikes ($\bar x_j$) meet a postsynaptic potential above
# $\theta_+$ = 7.5 mV, and depressed by
# $\Delta W^{-}_{ji} = -\Delta t\,A_{LTD}\,s_j\,(\bar v_i^2/u_{ref}^2)\,[\bar u_{-,i} - \theta_-]_+$
# at each presynaptic spike, more so the more depolarised $i$ has been on average. Neurons
# with similar POs are driven by the same stimuli, so the presynaptic trace and the
# postsynaptic depolarisation coincide for them: their synapses win.
#
# *Previous: [02 selectivity](02_selectivity_before_after.ipynb) · Next: [04 spontaneous activity](04_spontaneous_activity.ipynb)*

# %%
# %matplotlib inline
from sensorynet import experiments, plotting, widgets

# %% [markdown]
# The learned network comes from the results cache. It was computed in notebook 2; if you
# open this notebook first, it is computed now (about 1 s) and cached for the others.

# %%
pub = experiments.load_published(seed=0)

# %% [markdown]
# ## Weight matrices (Fig 3A–C of the published code)
#
# The panels show initial weights, final weights and their difference. Rows are presynaptic, columns postsynaptic,
# neurons are ordered by input PO, and dashed lines separate E from I.
#
# **What to look for:**
# * In the E→E block (top left of each matrix) learning has spread the uniform 0.5 mV
#   weights over 0–2 mV. In the *change* panel, strengthened synapses
#   (red) cluster along the diagonal and its wrapped-around corners, where pre- and
#   postsynaptic POs are similar. Weakened ones (blue) lie away from it.
# * E→I synapses (top right) strengthen overall, and I→E synapses (bottom left) become slightly more
#   negative. Inhibition grows stronger, which is why E rates fall.

# %%
plotting.plot_weight_matrices(pub)

# %% [markdown]
# ## Weights against the difference of preferred orientations (Fig 3D–G)
#
# Each dot is one synapse that existed in $W_0$, with its final weight plotted against
# ΔPO = PO$_\text{pre}$ − PO$_\text{post}$.
#
# **What to look for:** E→E weights form a bell around ΔPO = 0. Similar neurons reach up to
# the 2 mV bound, and orthogonal ones fall towards 0, with a few pruned to exactly 0. E→I
# and I→E weights change much less with ΔPO, because I neurons are only weakly tuned. The bar chart
# (right) is the paper's *connection specificity*: the mean E→E weight over all E pairs,
# absent synapses counted as 0, in three |ΔPO| bins. It starts flat at about 0.15 mV
# and ends steeply graded.

# %%
plotting.plot_weights_vs_dpo(pub)

# %%
# NBVAL_CHECK_OUTPUT
from sensorynet.analysis import published_metrics
pm = published_metrics(pub)
fmt = lambda v: " / ".join(f"{x:.3f}" for x in v)
print("mean E->E weight by |dPO| 0-30 / 30-60 / 60-90 deg (mV, absent = 0)")
print(f"  initial: {fmt(pm['specificity_EE']['initial'])}")
from sensorynet import published_range_text
print(f"  final:   {fmt(pm['specificity_EE']['final'])}   "
      f"(published code, docs/model.md §6: {published_range_text('specificity_EE', 'after')})")

# %% [markdown]
# ## Bidirectional connections
#
# Strong connections are bidirectional more often than chance, but which chance? Against
# *independent placement* of the strong synapses (the global null), the number of E pairs
# strong (> 1 mV) in both directions is more than twice the expected count. Most of that
# surplus, however, follows from the feature specificity alone: a pair with small |ΔPO| is
# likely to be strong in each direction, and so in both. The *ΔPO-matched null* keeps how
# the probability of a strong connection depends on |ΔPO| (10° bins) and places strong
# connections independently given it. It already predicts most of the surplus
# (the share is printed below). What is left, the surplus over the ΔPO-matched
# expectation (also printed below), is what the rule adds beyond specificity: co-active neurons potentiate the
# synapses in both directions. So "strong connections are preferentially bidirectional"
# holds, but mostly *because* connectivity is feature specific.
#
# The heat maps plot $w_{ij}$ against $w_{ji}$ for all E pairs connected both ways. Before
# learning every weight is 0.5 mV, a single point. After learning the two directions are
# highly correlated.

# %%
plotting.plot_reciprocal(pub)

# %% [markdown]
# ## Is the structure aligned with *measured* preferences too?
#
# So far ΔPO has been computed from the *input* POs. Neurons' measured (output) POs after
# learning differ slightly from their input POs (notebook 2), so it is worth checking that
# the specificity holds for them as well. The top row shows weights against |ΔPO|. The
# lower rows show the mean weight per bin, for all pairs and for existing synapses only,
# using $W_0$ with input POs (grey), the learned $W$ with input POs, and the learned $W$
# with measured POs. For **E→E** the two learned curves agree (their
# contrasts are printed below the figure), so the E→E structure is specific for the neurons'
# actual preferences. For **E→I and I→E** they do not: the measured POs of the I neurons lie far
# from their input POs (median printed below), and binned by the measured POs the learned
# E→I and I→E structure is *stronger* than binned by input POs. The I neurons' tuning is
# itself made by the learned E→I weights, so their measured preference follows the
# synapses that shaped it rather than their almost untuned input.

# %%
sel = experiments.selectivity_analysis(pub)
plotting.plot_connectivity_vs_dpo(sel)

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np
from sensorynet.analysis import po_match
for pw in ("EE", "EI", "IE"):
    c = {k: sel.connectivity[k]["specificity"][pw]["existing"] for k in ("after_input_po", "after_output_po")}
    print(f"{pw[0]}->{pw[1]} contrast (existing synapses, 0-30 minus 60-90 deg): "
          f"input PO {c['after_input_po'][0] - c['after_input_po'][-1]:+.3f} mV, "
          f"measured PO {c['after_output_po'][0] - c['after_output_po'][-1]:+.3f} mV")
d = np.degrees(np.abs(np.angle(np.exp(2j * (sel.after.po_out - sel.po_in)))) / 2)
print(f"median |measured PO - input PO| after learning: E {np.nanmedian(d[:sel.n_exc]):.1f} deg, "
      f"I {np.nanmedian(d[sel.n_exc:]):.1f} deg")

# %%
# NBVAL_CHECK_OUTPUT
bid = sel.metrics()["bidirectional_counts"]
pr = sel.metrics()["pruning"]
dm = sel.metrics()["bidirectional_dpo_matched"]
print(f"E pairs strong (> 1 mV) both ways: {bid['observed']} observed; expected {bid['expected']:.0f} "
      f"if independent (surplus {bid['observed'] / bid['expected']:.2f}), "
      f"{dm['expected_dpo']:.0f} given |dPO| (surplus {dm['surplus_dpo']:.2f})")
print(f"share of the surplus over independent placement explained by |dPO|: {dm['explained_by_dpo']:.0%}")
print(f"correlation of w_ij with w_ji (reciprocal E pairs): {sel.metrics()['reciprocal_correlation']:.2f}")
print(f"initial E->E synapses pruned to 0: {100 * pr['EE']['pruned']:.2f}%, at the 2 mV bound: {100 * pr['EE']['at_bound']:.2f}%")
print(f"mean E->I weight {pr['EI']['mean_existing']:.2f} mV (published {published_range_text('mean_EI', 'after')}), "
      f"mean I->E weight {pr['IE']['mean_existing']:.2f} mV (published {published_range_text('mean_IE', 'after')})")

# %% [markdown]
# ## The paper's connectivity claims, tested on this run
#
# Each claim of the paper is a one-sided test within this network, with its effect, a 95 %
# confidence interval and a p-value (`docs/claims.md` says how each is decided): the E rate
# falls with learning; after learning E→E weights decrease with |ΔPO| (and did not in
# $W_0$); E→I weights potentiate; strong connections are bidirectional more often than
# chance. The last row is a finding of this package, the reciprocity left over once |ΔPO|
# is accounted for (the ΔPO-matched null above). A model with a *stronger* effect passes
# these tests; whether a run is still the published model is a separate question, which
# `sensorynet reproduce` answers with its identity test.

# %%
widgets.claims_table(experiments.PublishedRun(pub).claims())

# %% [markdown]
# ## How the structure develops, block by block
#
# The experiment kept a snapshot of $W$ after each of the 40 blocks.
#
# **Learning curve (below, left):** the mean E rate falls over the blocks while the I rate
# changes little (first and last block printed below the figure). **Right:** the three |ΔPO| bins separate from the first block on. Similar
# pairs keep strengthening, the 30–60° bin saturates, and the 60–90° bin first rises a
# little and then declines.

# %%
plotting.plot_learning_curve(pub)

# %%
# NBVAL_CHECK_OUTPUT
rE, rI = pub.learning_rates("E"), pub.learning_rates("I")
print(f"E rate: first block {rE[0]:.2f} Hz, last block {rE[-1]:.2f} Hz "
      f"(published code, docs/model.md §6: {published_range_text('rate_E_learning', 'before')} -> "
      f"{published_range_text('rate_E_learning', 'after')} Hz)")
print(f"I rate: first block {rI[0]:.2f} Hz, last block {rI[-1]:.2f} Hz, range {rI.min():.2f}-{rI.max():.2f} Hz")

# %% [markdown]
# `connectivity_evolution` measures the structure after every block (about 0.7 s). The figure
# shows rates, E→E specificity (all pairs) and E→I and I→E specificity (existing synapses),
# the fraction of synapses pruned or at their bound, and reciprocity. The reciprocity
# surplus is drawn only once at least 10 strong pairs are expected, since it is noisy
# before that.

# %%
evo = experiments.connectivity_evolution(pub)
plotting.plot_connectivity_evolution(evo)

# %% [markdown]
# ## Try it: scrub through learning
#
# Drag the **learning blocks completed** slider (0 = the initial $W_0$), or press ▶ to
# animate; choose the **pathway** to see E→E, E→I or I→E. Everything is precomputed: the
# weight snapshots of every block and the tuning of the network every 5 blocks (about 1 s,
# once). The figure is drawn once and only its changing parts are redrawn.
#
# * *Top left*: the pathway's weights averaged over groups of neurons with neighbouring
#   POs. For E→E a diagonal band (plus the wrapped-around corners, since 0° = 180°) rises
#   out of the noise and sharpens until the end.
# * *Top right*: every synapse in the (ΔPO, weight) plane (grey: density, log scale) with
#   the mean per 10° bin. The weight axis is fitted to the pathway, so the I→E structure
#   (slightly stronger inhibition between similarly tuned neurons) is visible too.
# * *Bottom*: E→E specificity and the mean OSI of E and I neurons up to the chosen block:
#   the weights and the tuning they produce evolve together.

# %%
widgets.evolution_panel(pub, evo, block=20)

# %% [markdown]
# **Summary.** Learning turns random E→E connectivity into feature-specific connectivity.
# Similarly tuned neurons become strongly connected, while dissimilar
# ones are weakened (a few to 0). Strong connections are often reciprocal, mostly as a
# consequence of that specificity (the ΔPO-matched null explains most of the surplus). E→I weights grow and I→E weights become more negative,
# so inhibition is stronger and E rates fall. The reciprocal, like-to-like excitation
# amplifies each neuron's preferred response relative to others, which explains the
# sharper tuning of notebook 2. Notebook 4 asks whether this structure is stable.
