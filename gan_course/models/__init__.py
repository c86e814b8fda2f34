"""Generators and discriminators, one module per architecture."""

from gan_course.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = ["MLPDiscriminator", "MLPGenerator"]
