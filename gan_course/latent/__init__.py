"""The latent space: the prior a generator's input is drawn from, and walks through it.

* :mod:`~gan_course.latent.priors` — :class:`Normal`, :class:`Uniform`, :class:`Labelled` (conditional GANs) and
  :class:`InfoGANCodes`, each drawing a :class:`Latent`; the training loop and the metrics share them.
* :mod:`~gan_course.latent.truncation` — :class:`TruncatedNormal`, BigGAN's truncation trick as a prior.
* :mod:`~gan_course.latent.walks` — linear and spherical interpolation and latent arithmetic (the DCGAN chapter).
"""

from gan_course.latent.priors import InfoGANCodes, Labelled, Latent, Normal, Prior, Uniform
from gan_course.latent.truncation import TruncatedNormal, truncated_normal
from gan_course.latent.walks import concept_vector, interpolate, latent_arithmetic, lerp, slerp

__all__ = [
    "InfoGANCodes",
    "Labelled",
    "Latent",
    "Normal",
    "Prior",
    "TruncatedNormal",
    "Uniform",
    "concept_vector",
    "interpolate",
    "latent_arithmetic",
    "lerp",
    "slerp",
    "truncated_normal",
]
