"""Generators and discriminators, one module per architecture."""

from gan_course.models.conditional import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    ConditionalMLPDiscriminator,
    ConditionalMLPGenerator,
)
from gan_course.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_course.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = [
    "ConditionalDCGANDiscriminator",
    "ConditionalDCGANGenerator",
    "ConditionalMLPDiscriminator",
    "ConditionalMLPGenerator",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
]
