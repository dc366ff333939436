# %% [markdown]
# # 1. Building the network: neurons, connections, input, and the balanced state
#
# **Question.** Before anything is learned, what kind of network are we dealing with?
# Here we build the model of Sadeh, Clopath & Rotter (2015) piece by piece: the neuron
# model and why its integration is exact, the random excitatory/inhibitory (E/I) network and
# its weight matrix, and the orientation-tuned Poisson input. We then run the naive
# network for 2 s. Driven by a strong input of 2000 Hz per neuron, it nevertheless settles
# into low, irregular firing, because excitation and inhibition nearly cancel. This is the
# **balanced state**, and every later notebook starts from it.
#
# *Previous: [index](00_index.ipynb) · Next: [02 selectivity before/after](02_selectivity_before_after.ipynb)*

# %%
# %matplotlib inline
import numpy as np
import sensorynet as sn
from sensorynet import experiments, plotting, widgets

# %% [markdown]
# ## The neuron: leaky integrate-and-fire, integrated exactly
#
# Each neuron's membrane potential $v$ (mV) decays to rest with time constant
# $\tau_m = 20$ ms. Every input spike makes it jump instantly, by 1 mV for a feed-forward spike
# and by the synaptic weight for a recurrent spike. When $v$ exceeds the threshold
# $\theta = 20$ mV, the neuron spikes and $v$ is reset to 0 mV (there is no refractory
# period).
#
# Between jumps the equation $\tau_m\,dv/dt = -v$ has the closed-form solution
# $v(t+\Delta t) = e^{-\Delta t/\tau_m}\,v(t)$. With time steps of $\Delta t = 1$ ms and
# all jumps at step boundaries, the simulator therefore uses
#
# $$v_k = B\,v_{k-1} + x_k + \sum_{\text{pre}} s_{k-1}[\text{pre}]\,W[\text{pre},\cdot],
# \qquad B = e^{-\Delta t/\tau_m},$$
#
# where $x_k$ is the number of feed-forward input spikes and $s_{k-1}$ the network's spikes one step
# earlier (a 1 ms synaptic delay). Threshold and reset follow in the same step
# (`docs/model.md` §3):
#
# $$s_i[k] = \begin{cases}1 & \tilde v_i[k] > \theta\\ 0 & \text{otherwise}\end{cases},\qquad
# v_i[k] = \begin{cases}0 & s_i[k] = 1\\ \tilde v_i[k] & s_i[k] = 0,\end{cases}$$
#
# with $\tilde v_i[k]$ the potential before the threshold (the update above), $\theta$ = 20 mV,
# the reset at 0 mV and no refractory period; $\tau_m$ = 20 ms and $\Delta t$ = 1 ms give
# $B = e^{-1/20} \approx 0.951$. This update is **exact** for the model: unlike an Euler step,
# it involves no approximation, so the time step only sets when spikes can happen.
# All parameters are grouped, validated objects; here are the defaults of the paper's
# Table 1 (`docs/model.md` §9 lists every one with its unit):

# %%
p = sn.ModelParams()
p.network

# %% [markdown]
# ## The network: 400 E and 100 I neurons, random connections
#
# Every possible connection `W[pre, post]` (rows are presynaptic) is drawn independently
# (`docs/model.md` §1).
# E→E and E→I connections exist with probability 0.3 and weigh $J = 0.5$ mV. I→E and I→I
# connections exist with probability 1 and weigh $-gJ = -4$ mV. Every neuron thus
# receives about 120 excitatory and exactly 100 inhibitory inputs. An inhibitory synapse is
# 8 times stronger than an excitatory one, so a spike of an I neuron has a large effect.
#
# Each neuron also has an *input preferred orientation* (PO), spread evenly over
# 0–180° and sorted by neuron index. At this stage the PO only shapes the feed-forward input:
# the recurrent connections know nothing about it.
#
# `balanced_state` builds the network of seed 0 (the same one `run_published` learns
# from in notebook 2) and runs it for 2 s. We use it for the rest of this notebook.
#
# **What to look for:** the weight matrix is salt-and-pepper noise in the E rows (left
# and zoom) and a solid block of −4 mV in the I rows; the in-degree histogram shows how
# many partners each neuron has.

# %%
state = experiments.balanced_state(p, seed=0)
plotting.plot_network(state.net, seed=0)

# %% [markdown]
# ## The input: orientation-tuned Poisson spike trains
#
# At every 1 ms step each neuron receives a Poisson number of input spikes
# (`docs/model.md` §2), $x_i[k] \sim \mathrm{Poisson}(\lambda_i \Delta t)$, with rate
#
# $$\lambda_i(\theta_\text{stim}) = b\,\bigl[1 + m_i\cos 2(\theta_\text{stim} - \phi_i)\bigr],$$
#
# where $\phi_i$ is the neuron's input PO and $b = 2000$ Hz; each input spike adds 1 mV. The
# modulation is weak: $m_E = 0.2$ for E neurons and only $m_I = 0.02$ for I neurons.
#
# **What to look for:** an E neuron gets 2400 Hz at its PO and 1600 Hz at the orthogonal
# orientation (left). At a 90° stimulus, the E neurons with POs near 90° (index ≈ 200)
# receive the most input (right). Inhibitory neurons are almost untuned.

# %%
plotting.plot_input_tuning(p)

# %% [markdown]
# ## One neuron's membrane potential
#
# We recorded the membrane potential of neuron 200 (E, PO 90°, so the stimulus is at its
# preferred orientation). We compare two runs with the *same* input spikes: the neuron
# alone (W = 0) and the neuron in the network.
#
# **What to look for:**
# * *Alone* (top), the feed-forward drive of about 2.4 mV/ms pushes $v$ to threshold
#   every ~11 ms. The neuron fires fast and almost periodically, like a clock.
# * *In the network* (middle), the same neuron fires at about 20 Hz and at irregular times.
#   Its potential hovers below threshold, and sharp downward jumps show inhibitory spikes arriving.
# * The input panel (bottom) shows why. Recurrent inhibition (blue) almost cancels
#   feed-forward plus recurrent excitation (orange, red), and the net input (black)
#   fluctuates around a small positive mean.

# %%
plotting.plot_voltage_trace(state, neuron=200, window_ms=(0, 400))

# %% [markdown]
# The recorded traces follow the update rule above exactly. On every step without a
# spike, $v_k - (B v_{k-1} + x_k + \text{recurrent input})$ is zero to machine precision:

# %%
# NBVAL_CHECK_OUTPUT
print(f"largest deviation from the update rule, neuron alone:      {experiments.update_residual(state, 200, 'uncoupled'):.1e} mV")
print(f"largest deviation from the update rule, neuron in network: {experiments.update_residual(state, 200, 'coupled'):.1e} mV")

# %% [markdown]
# ## The balanced state
#
# In a balanced network, large excitatory and inhibitory inputs cancel on average. The
# mean input then sits *below* threshold, and spikes are triggered by fluctuations,
# which makes them irregular and keeps rates low. This is the classic picture of van
# Vreeswijk & Sompolinsky (1996) and Brunel (2000), and the network here is in it.
#
# **What to look for:**
# * *Rates* (top left): E neurons fire at about 8 Hz on average, far below the 70 Hz they reach alone.
#   Neurons whose PO is near the stimulus fire most (the high-rate bump).
# * *Irregularity* (top right): the coefficient of variation (CV) of inter-spike intervals is about 0.6 in the network,
#   against about 0.25 alone. A Poisson process has CV = 1 and a clock CV = 0.
# * *Cancellation over time* (bottom left): the population's inhibitory input tracks
#   its excitatory input from one 5 ms bin to the next, so the net input stays small.
# * *Cancellation per neuron* (bottom right): alone, every neuron's mean free membrane
#   potential (its mean input integrated without a threshold) lies at 30–50 mV, far
#   above threshold, so it fires regularly. In the network it lies below 20 mV, and neurons
#   fire only when fluctuations reach threshold.

# %%
plotting.plot_balanced_state(state)

# %%
# NBVAL_CHECK_OUTPUT
s = state.summary()
c, u, i = s["coupled"], s["uncoupled"], s["input"]
print(f"rates in the network:  E {c['rate']['E']:.2f} Hz, I {c['rate']['I']:.2f} Hz")
print(f"rates alone (W = 0):   E {u['rate']['E']:.2f} Hz, I {u['rate']['I']:.2f} Hz")
print(f"ISI CV (E neurons):    network {c['cv']['E']:.2f}, alone {u['cv']['E']:.2f}")
print(f"mean input per neuron: feed-forward {i['ff']:.2f}, recurrent E {i['rec_E']:.2f}, "
      f"recurrent I {i['rec_I']:.2f}, net {i['net']:.2f} mV/ms")
print(f"net input = {100 * i['net_over_exc']:.0f}% of the excitatory input; "
      f"E/I correlation (5 ms bins) {i['ei_correlation_5ms']:.2f}")

# %% [markdown]
# These numbers are the *Before* test of the published code. Its values, from
# `docs/model.md` §6 (the one source of reference values of the report, the README and
# these notebooks):

# %%
# NBVAL_CHECK_OUTPUT
from sensorynet import published_range_text
print("published code (docs/model.md §6, two runs), before learning: "
      f"E {published_range_text('rate_E_test', 'before')} Hz, I {published_range_text('rate_I_test', 'before')} Hz")

# %% [markdown]
# ## Try it: inhibition, input tuning, seed, neuron
#
# The panel reruns the 2 s test when you release the **g**, **m_E** or **seed** control
# (the panel is greyed out and says "computing…" meanwhile). The neuron picker only
# redraws, because every neuron's voltage was recorded. The line above the figure gives the
# population rates and the chosen neuron's rate; the figure shows that one neuron.
#
# * Lower **inhibition g** to 4. Inhibition can no longer cancel excitation: rates rise,
#   and the net input becomes a larger fraction of the excitation. Raise g to 12 and the
#   network becomes quieter.
# * Set the **input modulation m_E** to 0. The input becomes untuned, and neuron 200 fires
#   no faster than the average E neuron (a few Hz) instead of more than twice as fast; at 0.5 it fires faster than
#   at the default 0.2 (compare *Neuron 200* with *E* in the line above the figure;
#   `tests/widgets/test_trends.py` checks both on seeds 0–2). The population's
#   bump of rates is in the balanced-state figure above (top left), not in this panel.
# * Pick neurons far from 90° (e.g. 0 or 399) and see how rarely they fire. Neurons 400–499 are inhibitory.

# %%
widgets.network_panel(p, seed=0, neuron=200)

# %% [markdown]
# **Summary.** The naive network is random, and its input is only weakly tuned. Strong
# recurrent inhibition holds it in a balanced, fluctuation-driven state with low,
# irregular rates. Its selectivity comes entirely from the input: it has no structure of
# its own. Notebook 2 shows what synaptic plasticity adds.
