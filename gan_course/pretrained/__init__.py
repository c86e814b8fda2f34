"""Pretrained checkpoints of the book's main MNIST models, so that a reader can look before training.

* :mod:`~gan_course.pretrained.cards` — :data:`CARDS`: each model's chapter, recipe and settings, and how it is
  scored;
* :mod:`~gan_course.pretrained.store` — :func:`pretrained` (``pretrained("dcgan-mnist")`` returns the ready networks,
  checked against their recorded SHA-256) and the files' format;
* :mod:`~gan_course.pretrained.recreate` — :func:`recreate`, behind ``python -m gan_course pretrained <name>
  --recreate``.
"""

from gan_course.pretrained.cards import CARDS, ModelCard, card
from gan_course.pretrained.recreate import recreate
from gan_course.pretrained.store import PretrainedError, PretrainedGAN, pretrained, read_record, weights_path

__all__ = [
    "CARDS",
    "ModelCard",
    "PretrainedError",
    "PretrainedGAN",
    "card",
    "pretrained",
    "read_record",
    "recreate",
    "weights_path",
]
