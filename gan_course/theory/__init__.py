"""The book's Theory part, computed: divergences between densities on the line and the GAN game against a fixed
generator.

* :mod:`~gan_course.theory.divergences` — KL, Jensen–Shannon, Pearson χ², total variation and W1, exactly or by
  checked quadrature.
* :mod:`~gan_course.theory.optimal_discriminator` — $V(D, G)$, the optimal discriminator (and LSGAN's), and a
  discriminator trained alone against a fixed generator.
* :mod:`~gan_course.theory.density_figures` — densities on the line with D's curve (Goodfellow et al. 2014, Figure 1),
  also drawn by the first chapter.
"""
