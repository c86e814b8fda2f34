"""The Losses part's experiments, on the objectives of :mod:`gan_course.losses`.

* :mod:`~gan_course.experiments.losses.comparison` — the losses side by side on the toy mixtures, over seeds.
* :mod:`~gan_course.experiments.losses.gradient_field` — the gradient G receives (the LSGAN chapter).
* :mod:`~gan_course.experiments.losses.critic` — the WGAN critic trained alone against fixed distributions.
* :mod:`~gan_course.experiments.losses.began_equilibrium` — BEGAN's claims measured: its measure of convergence
  against the FCD, the diversity ratio against precision and recall, the equilibrium of $k_t$.

Each has its ``_figures`` module.
"""
