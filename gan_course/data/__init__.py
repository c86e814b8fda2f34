"""Data for the course: toy distributions with true densities, MNIST, and resumable batch streams."""

from gan_course.data.mnist import (
    ROLE_SIZES,
    LabeledImages,
    MNISTFileError,
    MNISTTestSplitWarning,
    default_data_root,
    load_mnist,
    load_mnist_role,
    load_mnist_split,
    digit_roles,
)
from gan_course.data.padding import Cropped, pad_images
from gan_course.data.streams import SamplerStream, TensorStream, Unpaired
from gan_course.data.toy import GaussianMixture1D, GaussianMixture2D, SwissRoll, gaussian_1d, grid, ring

__all__ = [
    "Cropped",
    "GaussianMixture1D",
    "GaussianMixture2D",
    "LabeledImages",
    "MNISTFileError",
    "MNISTTestSplitWarning",
    "ROLE_SIZES",
    "SamplerStream",
    "SwissRoll",
    "TensorStream",
    "Unpaired",
    "default_data_root",
    "gaussian_1d",
    "grid",
    "load_mnist",
    "load_mnist_role",
    "load_mnist_split",
    "pad_images",
    "ring",
    "digit_roles",
]
