"""The Visualization chapter's tools: seeing inside a GAN.

* :mod:`~gan_course.experiments.visualization.gan_lab` — :class:`GANLab`, a 2-D GAN whose state is computed as GAN Lab's
  views (Kahng et al. 2019), with :mod:`~gan_course.experiments.visualization.gan_lab_figures` (drawing, the recorded
  animation) and
  :mod:`~gan_course.experiments.visualization.gan_lab_widget` (the controls for a live kernel).
"""

from gan_course.experiments.visualization.gan_lab import GANLab, LabViews, mixture

__all__ = ["GANLab", "LabViews", "mixture"]
