"""Data for the course: toy distributions with true densities, MNIST, Fashion-MNIST, and resumable batch streams."""

from gan_course.data.fashion_mnist import (
    FashionMNISTFileError,
    fashion_roles,
    load_fashion_mnist,
    load_fashion_mnist_role,
    load_fashion_mnist_split,
)
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
    "FashionMNISTFileError",
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
    "fashion_roles",
    "gaussian_1d",
    "grid",
    "load_fashion_mnist",
    "load_fashion_mnist_role",
    "load_fashion_mnist_split",
    "load_mnist",
    "load_mnist_role",
    "load_mnist_split",
    "pad_images",
    "ring",
    "digit_roles",
]
