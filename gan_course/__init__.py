"""gan_course: the reusable code of the GAN course, imported by its chapters so that they cannot drift apart."""

from gan_course.device import default_device
from gan_course.profiles import current_profile, run_sizes
from gan_course.seed import seed_everything

__version__ = "0.1.0"
__all__ = ["current_profile", "default_device", "run_sizes", "seed_everything"]
