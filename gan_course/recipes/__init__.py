"""The training recipes: each run the book teaches, its settings written once (:mod:`~gan_course.recipes.catalogue`,
``RECIPES``), as a :class:`~gan_course.recipes.recipe.Recipe` that builds its trainer with a builder of
:mod:`~gan_course.recipes.trainers` (the papers' set-ups in one call)."""

from gan_course.recipes.catalogue import RECIPES, recipe
from gan_course.recipes.recipe import Recipe
from gan_course.recipes.trainers import (
    began_trainer,
    check_range,
    conditional_mlp_trainer,
    dcgan_trainer,
    lsgan_trainer,
    mlp_trainer,
    mnist_mlp_trainer,
    progan_trainer,
    wgan_gp_trainer,
    wgan_trainer,
)

__all__ = [
    "RECIPES",
    "Recipe",
    "began_trainer",
    "check_range",
    "conditional_mlp_trainer",
    "dcgan_trainer",
    "lsgan_trainer",
    "mlp_trainer",
    "mnist_mlp_trainer",
    "progan_trainer",
    "recipe",
    "wgan_gp_trainer",
    "wgan_trainer",
]
