"""The experiments of the part "Making GANs train".

* :mod:`~gan_course.experiments.making_gans_train.game_dynamics` — two-player games of two scalars (the bilinear game, the
  Dirac-GAN), the update rules that play them and the eigenvalues that predict whether they converge.
"""
