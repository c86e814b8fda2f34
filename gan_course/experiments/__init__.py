"""The chapters' experiments and figures, above the core, one subpackage per part of the book.

The core (:mod:`gan_course.losses`, :mod:`~gan_course.latent`, :mod:`~gan_course.models`, :mod:`~gan_course.training`,
:mod:`~gan_course.data`, :mod:`~gan_course.metrics`, :mod:`~gan_course.conditioning`) imports nothing from here;
``tests/test_layers.py`` checks the direction of every import.

* :mod:`~gan_course.experiments.theory` — the GAN game against a fixed generator, densities with D's curve.
* :mod:`~gan_course.experiments.architectures` — checkerboard artefacts and the drawings of the convolution
  arithmetic; ProGAN's ablations and figures.
* :mod:`~gan_course.experiments.losses` — the objectives side by side, the gradient G receives, the critic alone.
* :mod:`~gan_course.experiments.making_gans_train` — making GANs train: why gradient play does not converge.
* :mod:`~gan_course.experiments.conditioning` — conditioning: SAGAN and BigGAN at small scale (the truncation
  curve, paired ablations).
* :mod:`~gan_course.experiments.visualization` — seeing inside a GAN.
"""
