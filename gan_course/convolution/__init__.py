"""The transposed-convolution chapter (Architectures part): arithmetic, drawings and checkerboard artefacts.

* :mod:`~gan_course.convolution.arithmetic` — output sizes, convolution as a matrix, checked against PyTorch.
* :mod:`~gan_course.convolution.figures` — Dumoulin & Visin-style drawings and animations of the arithmetic.
* :mod:`~gan_course.convolution.checkerboard` — overlap counts, resize-convolution, a checkerboard score and its
  period-2 peak.
"""
