# %% [markdown]
# # 4. Does the learned structure survive spontaneous activity?
#
# **Question.** A real cortex does not see oriented gratings all the time. Between
# stimuli it receives unspecific, untuned input, and the plasticity rule does not switch
# off. If the specific connectivity of notebook 3 were simply a record of recent
# stimuli, a period of untuned activity could wash it out. Does it?
#
# The protocol, in which the plasticity rule stays active throughout, is docs/model.md §5.5. It is
# switched off in the published code, and cannot run there. Starting from the
# learned network, we run 10 plastic blocks of 2 s (20 s in total) in which every neuron
# receives untuned Poisson input at $b/2 = 1000$ Hz, with no orientation at all. Afterwards
# we measure the connectivity and the tuning again, using the same tuning input as before.
#
# **One modelling choice.** The published code calls its simulator with an option
# `inh_ltd=1`, which the simulator does not accept and which is not documented.
# sensorynet makes the corresponding choice explicit as a switch, `ltd_IE`: whether the
# presynaptic-spike (LTD) term of the rule also acts on I→E synapses. The default (on) is the rule the network
# learned with. We run both settings.
#
# *Previous: [03 connectivity](03_connectivity_emergence.ipynb) · Next: [05 cardinal over-representation](05_cardinal_overrepresentation.ipynb)*

# %%
# %matplotlib inline
from sensorynet import experiments, plotting, widgets

# %%
pub = experiments.load_published(seed=0)

# %% [markdown]
# `run_spontaneous` continues plastic simulation of the learned weights under untuned input, then
# measures tuning before and after (12 orientations × 2 s each). It takes about 0.3 s per setting.

# %%
spont = {ltd: experiments.run_spontaneous(pub, n_blocks=10, ltd_IE=ltd) for ltd in (True, False)}

# %%
# NBVAL_CHECK_OUTPUT
for ltd, res in spont.items():
    m = res.metrics()
    ch = " / ".join(f"{x:+.4f}" for x in m["specificity_EE_change"])
    print(f"I->E LTD {'on ' if ltd else 'off'}: rates E {m['rates']['E']:.2f} Hz, I {m['rates']['I']:.2f} Hz; "
          f"change of mean E->E weight by |dPO| bin {ch} mV; "
          f"mean I->E change {m['mean_IE_weight_change']:+.4f} mV; "
          f"OSI (E) {m['osi_before']['E']:.3f} -> {m['osi_after']['E']:.3f}")

# %% [markdown]
# **What to look for:**
# * *Rates* (top left): under untuned input the learned network is almost silent, with E
#   neurons below 1 Hz and I neurons near 1.7 Hz. The rates stay flat over the 20 s.
# * *E→E specificity* (top right): the bars before and after the 20 s of spontaneous activity are indistinguishable. The learned
#   weights by |ΔPO| bin (0.43 / 0.25 / 0.10 mV) change by less than 0.005 mV.
# * *Weight changes per bin* (bottom left): the E→E changes are a few µV and not
#   quite uniform: largest for similarly tuned pairs (about +0.004 / +0.003 / +0.002 mV
#   from the 0–30° to the 60–90° bin). Untuned input carries no orientation information,
#   but pairs that are already strongly connected drive each other a little more, so they
#   potentiate a little faster; all of it is about 1 % of the learned contrast. Only the I→E pathway with
#   LTD switched off drifts noticeably, by about −0.1 mV in every bin: without
#   its LTD term an I→E synapse can only potentiate, and inhibition slowly grows.
# * *Selectivity* (bottom right): the mean OSI is unchanged with either setting.

# %%
plotting.plot_spontaneous(spont)

# %% [markdown]
# ## Try it: the rule and the duration
#
# Switch the **I→E LTD** term on or off, choose the number of **spontaneous blocks** (2 s
# each), and press *Run*. Longer runs show whether the structure is merely decaying slowly or is genuinely
# stable. With LTD on, even 40 blocks (80 s) leave it intact. With LTD off the I→E weights keep
# drifting, which lowers E rates but leaves E→E specificity and selectivity in place.

# %%
widgets.spontaneous_panel(pub, n_blocks=10, ltd_IE=True,
                          results={(True, 10): spont[True], (False, 10): spont[False]})

# %% [markdown]
# **Summary.** The learned structure is stable. Unspecific activity leaves the
# feature-specific E→E connectivity and the neurons' selectivity intact, because the
# network is nearly silent under untuned drive and the little plasticity that occurs is
# about 1 % of the learned contrast (slightly reinforcing it). The only sensitivity to the undocumented `inh_ltd` choice is a
# slow, uniform strengthening of inhibition when the I→E LTD term is off.
