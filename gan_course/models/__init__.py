"""Generators and discriminators, one module per architecture, and the layers a training tip adds to one
(:mod:`~gan_course.models.minibatch_discrimination`, :mod:`~gan_course.models.virtual_batch_norm`,
:mod:`~gan_course.models.spectral_norm`, :mod:`~gan_course.models.self_attention`)."""

from gan_course.models.began import BEGANDecoder, BEGANDiscriminator, BEGANEncoder, BEGANGenerator
from gan_course.models.biggan import (
    BigGANGenerator,
    ConditionalBatchNorm2d,
    DiscriminatorBlock,
    GeneratorBlock,
    ProjectionDiscriminator,
    orthogonal_init,
)
from gan_course.models.conditional import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
)
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_course.models.minibatch_discrimination import MinibatchDiscrimination
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator
from gan_course.models.progan import (
    EqualizedConv2d,
    EqualizedLinear,
    MinibatchStdDev,
    PixelNorm,
    ProGANDiscriminator,
    ProGANGenerator,
    feature_rms,
    relative_adam_step,
)
from gan_course.models.self_attention import SelfAttention
from gan_course.models.sngan import SNGANDiscriminator, SNGANGenerator
from gan_course.models.spectral_norm import spectral_norms, spectrally_normalize, weight_matrix
from gan_course.models.virtual_batch_norm import VirtualBatchNorm, WithReferenceBatch

__all__ = [
    "BEGANDecoder",
    "BEGANDiscriminator",
    "BEGANEncoder",
    "BEGANGenerator",
    "BigGANGenerator",
    "ConditionalBatchNorm2d",
    "DiscriminatorBlock",
    "GeneratorBlock",
    "ProjectionDiscriminator",
    "SelfAttention",
    "orthogonal_init",
    "ConditionalDCGANDiscriminator",
    "ConditionalDCGANGenerator",
    "ConditionalMLPDiscriminator",
    "ConditionalMLPGenerator",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "EqualizedConv2d",
    "EqualizedLinear",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "PixelNorm",
    "SNGANDiscriminator",
    "SNGANGenerator",
    "ProGANDiscriminator",
    "ProGANGenerator",
    "VirtualBatchNorm",
    "WithReferenceBatch",
    "feature_rms",
    "relative_adam_step",
    "spectral_norms",
    "spectrally_normalize",
    "weight_matrix",
]
