"""GAN objectives and the tools of the book's Losses part.

The objectives the training loop takes — one object each, computing D's and G's losses from a step's context:

* :mod:`~gan_course.losses.objective` — :class:`Objective` and :class:`StepContext`, what every objective is.
* :mod:`~gan_course.losses.gan` — :class:`Minimax` and :class:`NonSaturating` (Goodfellow et al. 2014).
* :mod:`~gan_course.losses.lsgan` — :class:`LSGAN` (Mao et al. 2017).
* :mod:`~gan_course.losses.label_smoothing` — :class:`OneSidedLabelSmoothing` (Salimans et al. 2016).
* :mod:`~gan_course.losses.feature_matching` — :class:`FeatureMatching` (Salimans et al. 2016).
* :mod:`~gan_course.losses.wgan` — :class:`WGAN` with clipping and :class:`WGANGP` (Arjovsky et al. 2017,
  Gulrajani et al. 2017), with the drift term of Karras et al. (2018).
* :mod:`~gan_course.losses.hinge` — :class:`Hinge` (Lim & Ye 2017), the loss of SN-GAN, SAGAN and BigGAN.
* :mod:`~gan_course.losses.began` — :class:`BEGAN` (Berthelot, Schumm & Metz 2017): an auto-encoder as D, and the
  equilibrium variable $k_t$ as the objective's state.
* :mod:`~gan_course.losses.orthogonal` — :class:`OrthogonalRegularization`, BigGAN's off-diagonal penalty on G's
  weights added to any objective (Brock et al. 2019).

Each module keeps the functional forms (``discriminator_loss(real_logits, fake_logits)`` etc.) for the theory chapters.
The chapter tools are imported from their modules: :mod:`~gan_course.experiments.losses.comparison` (losses side by side
on the toy mixtures), :mod:`~gan_course.experiments.losses.gradient_field` (the gradient G receives, LSGAN chapter) and
:mod:`~gan_course.experiments.losses.critic` (the WGAN critic trained alone), each with its ``_figures`` module.
"""

from gan_course.losses.began import BEGAN, convergence_measure, equilibrium_update, reconstruction_loss
from gan_course.losses.feature_matching import FeatureMatching, layer_output
from gan_course.losses.gan import (
    GENERATOR_LOSSES,
    Minimax,
    NonSaturating,
    discriminator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)
from gan_course.losses.hinge import Hinge, hinge_discriminator_loss, hinge_generator_loss
from gan_course.losses.label_smoothing import OneSidedLabelSmoothing, smoothed_discriminator_loss
from gan_course.losses.lsgan import LSGAN, lsgan_discriminator_loss, lsgan_generator_loss
from gan_course.losses.objective import Objective, StepContext
from gan_course.losses.orthogonal import OrthogonalRegularization, off_diagonal_gram_penalty, regularised_weights
from gan_course.losses.wgan import (
    WGAN,
    WGANGP,
    clip_weights_,
    drift_penalty,
    gradient_penalty,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)

__all__ = [
    "BEGAN",
    "FeatureMatching",
    "GENERATOR_LOSSES",
    "Hinge",
    "LSGAN",
    "Minimax",
    "NonSaturating",
    "Objective",
    "OneSidedLabelSmoothing",
    "OrthogonalRegularization",
    "StepContext",
    "WGAN",
    "WGANGP",
    "clip_weights_",
    "convergence_measure",
    "discriminator_loss",
    "drift_penalty",
    "equilibrium_update",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "layer_output",
    "lsgan_discriminator_loss",
    "lsgan_generator_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "reconstruction_loss",
    "off_diagonal_gram_penalty",
    "regularised_weights",
    "smoothed_discriminator_loss",
    "wasserstein_critic_loss",
    "wasserstein_generator_loss",
]
