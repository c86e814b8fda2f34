"""The Conditioning part's experiments: SAGAN and BigGAN at small scale.

* :mod:`~gan_course.experiments.conditioning.truncation` — the truncation trick's curve: Fréchet distance, label
  accuracy, precision and recall of a conditional generator against the truncation threshold (with its figures in
  :mod:`~gan_course.experiments.conditioning.truncation_figures`).
* :mod:`~gan_course.experiments.conditioning.ablation` — one piece of a recipe removed at a time, trained on paired
  seeds with the same budget, with mean ± sample std tables and the change from the baseline seed by seed.
"""
