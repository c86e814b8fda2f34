"""The Architectures part's experiments: transposed convolutions drawn and their checkerboard artefacts measured,
and ProGAN's features switched off one at a time.

* :mod:`~gan_course.experiments.architectures.convolution_figures` — Dumoulin & Visin-style drawings and animations
  of the arithmetic in :mod:`gan_course.models.convolution_arithmetic`.
* :mod:`~gan_course.experiments.architectures.checkerboard` — overlap counts, resize-convolution, a checkerboard
  score and its period-2 peak (Odena et al. 2016).
* :mod:`~gan_course.experiments.architectures.progressive_ablation` — ProGAN's ablations over seeds (Karras et al.
  2018, Table 1), with :mod:`~gan_course.experiments.architectures.progressive_figures`.
"""
