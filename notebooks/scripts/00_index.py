# %% [markdown]
# # sensorynet: emergence of functional specificity in balanced networks
#
# These notebooks reproduce, step by step, Sadeh, Clopath & Rotter (2015), *Emergence of
# functional specificity in balanced networks with synaptic plasticity*, PLoS Comput Biol
# 11:e1004307. A network of 400 excitatory and 100 inhibitory integrate-and-fire neurons
# starts with random connections. Each neuron receives feed-forward input that is weakly
# tuned to the orientation of a stimulus. While the network sees randomly oriented
# stimuli, a voltage-based plasticity rule reshapes its recurrent weights. The notebooks ask what
# structure appears, what it does to the neurons' responses, and how robust it is.
#
# Read them in order; each one states its question first and says what to look for in every figure.
#
# | # | notebook | in one sentence |
# |---|---|---|
# | 1 | [01_network_construction](01_network_construction.ipynb) | The neuron model and its exact integration, the random E/I network, the orientation-tuned Poisson input, one neuron's voltage trace, and the balanced state (low irregular firing, excitation cancelled by inhibition). |
# | 2 | [02_selectivity_before_after](02_selectivity_before_after.ipynb) | After 40 blocks of learning, neurons respond more selectively: tuning curves and OSI before and after, and the raster figure of the published code. |
# | 3 | [03_connectivity_emergence](03_connectivity_emergence.ipynb) | Learning wires neurons with similar preferred orientations together, often in both directions; the weight matrices, weights against ΔPO and how it all develops block by block. |
# | 4 | [04_spontaneous_activity](04_spontaneous_activity.ipynb) | Does the learned structure survive a long period of untuned, unspecific activity? |
# | 5 | [05_cardinal_overrepresentation](05_cardinal_overrepresentation.ipynb) | Experience that over-represents horizontal and vertical orientations makes more neurons prefer them, compared with a uniform control. |
# | 6 | [06_parameter_sweeps](06_parameter_sweeps.ipynb) | How selectivity and specificity depend on inhibition *g* and the LTP rate, over a grid of parameters and several seeds, run in parallel with Dask. |
# | 7 | [07_does_it_scale](07_does_it_scale.ipynb) | Does specificity still emerge in networks of 1 000 to 10 000 neurons? Five named scaling rules (what each holds fixed; notebook 7 prints them) and a scale study of the published protocol under each. |
# | 8 | [08_model_vs_experiments](08_model_vs_experiments.ipynb) | The model against the experiments it was built to explain (Ko et al. 2011, 2013), measured as paired recordings measure cortex: a connection counts when its EPSP exceeds a detection threshold; where model and experiment agree, disagree or cannot be compared. |
#
# **How it runs.** Every computation is a call into the `sensorynet` package, and the
# notebooks only choose parameters and show the results. The simulator is compiled with
# numba, so the whole published experiment (40 learning blocks of 2 s) takes about a
# second. A learned network is computed once and then stored in a *results cache*
# (`$SENSORYNET_CACHE`, by default `~/.cache/sensorynet`). The cache key covers the
# parameters, the seed and the package version (a hash of its sources), so a notebook
# opened second reuses the first one's network, and a changed parameter never returns a
# stale result.
#
# **Interactive controls.** Each notebook ends with a control panel (ipywidgets). Cheap
# views, such as a neuron picker or a block slider, redraw only what changed in a figure
# that is drawn once (the browser check reports each control's latency). Controls that start
# new simulations run when you press *Run* or release a slider; meanwhile the panel is
# greyed out and says "computing…", and long runs show a progress bar.
# On a page without a running kernel (e.g. a code host) a panel shows a still image of
# its current figure.
#
# **Running them.** Open them on Binder (badge in the README), or locally:
#
# ```bash
# pip install -e ".[test,notebooks]"
# jupyter lab notebooks/
# ```
#
# The test suite (`pytest`) executes every notebook and checks the numbers printed by
# the cells marked `# NBVAL_CHECK_OUTPUT`. The stored outputs are regenerated with
# `python tools/regenerate_notebooks.py`.
#
# **The model** is specified in `docs/model.md`, section by section (§1 network, §2 input,
# §3 neuron and its exact integration, §4 plasticity, §5 protocols, §6 the published
# reference values); each notebook writes down the equations it exercises and links the
# section.
#
# Units throughout: membrane potential and weights in mV, time in ms, rates in Hz,
# orientations in degrees in figures.
