"""The Conditioning part's tools: sampling a conditional generator by label (the label grid) or from its marginal.

The conditional models are in :mod:`gan_course.models.conditional`; the prior with labels is
:class:`gan_course.latent.Labelled`.
"""

from gan_course.conditioning.sampling import label_grid, marginal_sampler

__all__ = ["label_grid", "marginal_sampler"]
