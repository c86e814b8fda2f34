"""The Theory part's experiments: the GAN game against a fixed generator, and densities drawn with D's curve.

* :mod:`~gan_course.experiments.theory.optimal_discriminator` — $V(D, G)$, the optimal discriminator (and LSGAN's),
  and a discriminator trained alone against a fixed generator.
* :mod:`~gan_course.experiments.theory.density_figures` — densities on the line with D's curve (Goodfellow et al.
  2014, Figure 1), also drawn by the first chapter.

The divergences they compute are core metrics: :mod:`gan_course.metrics.divergences`.
"""
