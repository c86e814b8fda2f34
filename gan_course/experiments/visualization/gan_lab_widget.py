"""The GAN Lab's controls: ipywidgets around a :class:`~gan_course.experiments.visualization.gan_lab.GANLab`, for a live
kernel (Jupyter, JupyterLab, Colab).

Play runs the lab a few steps per tick, Step makes one batch of steps, Reset starts over; the loss, the learning
rates, ``k`` and the data set change the run as it goes, and the layer boxes choose what the plane shows. The
figure is sent to the page as a PNG image widget, which needs no interactive matplotlib backend. Every control calls
a method of :class:`GANLabWidget`, so a test can drive the widget exactly as clicks do, without a browser.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt

from gan_course.experiments.visualization.gan_lab import DATASETS, OBJECTIVES, GANLab, mixture
from gan_course.experiments.visualization.gan_lab_figures import LAYERS, draw_lab

YOUR_MIXTURE = "your mixture"


class GANLabWidget:
    """The controls and the picture of one :class:`GANLab` (a new one on the ring by default); display it as the
    last expression of a cell, or with ``display(widget.box)``. ``steps_per_tick`` steps are made per Play tick and
    per click of Step."""

    def __init__(self, lab: GANLab | None = None, steps_per_tick: int = 10):
        self.lab = lab or GANLab()
        self.steps_per_tick = steps_per_tick
        self.figure = plt.figure(figsize=(9.5, 4.8))
        plt.close(self.figure)  # drawn into the image widget, not shown by the inline backend
        self.image = widgets.Image(format="png")
        self.play = widgets.Play(value=0, min=0, max=10**6, interval=200, description="play")
        self.step_button = widgets.Button(description=f"step ×{steps_per_tick}")
        self.reset_button = widgets.Button(description="reset")
        self.loss = widgets.Dropdown(options=list(OBJECTIVES), value=self.lab.loss, description="loss")
        self.data = widgets.Dropdown(options=[*DATASETS, YOUR_MIXTURE], value=self._data_name(), description="data")
        self.centres = widgets.Text(value="-1,-1; 1,1; 1,-1", description="centres",
                                    placeholder="x,y; x,y; ... (your mixture)")
        self.lr_d = widgets.FloatLogSlider(value=self.lab.lr_d, base=10, min=-5, max=-1, description="D's lr")
        self.lr_g = widgets.FloatLogSlider(value=self.lab.lr_g, base=10, min=-5, max=-1, description="G's lr")
        self.k = widgets.IntSlider(value=self.lab.k, min=1, max=10, description="k (D steps)")
        self.layers = {name: widgets.Checkbox(value=True, description=name, indent=False) for name in LAYERS}
        self.message = widgets.HTML()
        self._quiet = False  # set while the code itself moves Play back to 0
        self._connect()
        controls = widgets.VBox([widgets.HBox([self.play, self.step_button, self.reset_button]),
                                 widgets.HBox([self.loss, self.data, self.centres]),
                                 widgets.HBox([self.lr_d, self.lr_g, self.k]),
                                 widgets.HBox(list(self.layers.values())), self.message])
        self.box = widgets.VBox([controls, self.image])
        self.redraw()

    def _data_name(self) -> str:
        return self.lab.data_name if self.lab.data_name in DATASETS else YOUR_MIXTURE

    def _connect(self) -> None:
        self.play.observe(lambda change: None if self._quiet else self.tick(), names="value")
        self.step_button.on_click(lambda button: self.tick())
        self.reset_button.on_click(lambda button: self.reset())
        self.loss.observe(lambda change: self.change(loss=change["new"]), names="value")
        self.lr_d.observe(lambda change: self.change(lr_d=change["new"]), names="value")
        self.lr_g.observe(lambda change: self.change(lr_g=change["new"]), names="value")
        self.k.observe(lambda change: self.change(k=change["new"]), names="value")
        self.data.observe(lambda change: self.reset(), names="value")
        for box in self.layers.values():
            box.observe(lambda change: self.redraw(), names="value")

    def tick(self) -> None:
        """Train ``steps_per_tick`` steps and redraw (Play's tick and the Step button)."""
        self.lab.train(self.steps_per_tick)
        self.redraw()

    def change(self, **settings) -> None:
        """Apply a changed loss, learning rate or ``k`` to the running lab; a bad value is shown, not applied."""
        try:
            self.lab.set(**settings)
        except ValueError as error:
            self.message.value = f"<span style='color:#b2182b'>{error}</span>"
            return
        self.redraw()

    def reset(self) -> None:
        """Start over on the chosen data set (for "your mixture", the centres typed in the text box)."""
        try:
            data = mixture(self.centres.value) if self.data.value == YOUR_MIXTURE else self.data.value
        except ValueError as error:
            self.message.value = f"<span style='color:#b2182b'>{error}</span>"
            return
        self._quiet = True
        self.play.value = 0
        self._quiet = False
        self.lab.reset(data)
        self.redraw()

    def redraw(self) -> None:
        """Draw the lab's current views into the image widget."""
        layers = [name for name, box in self.layers.items() if box.value]
        draw_lab(self.lab.views(), self.figure, layers)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80)
        self.image.value = buffer.getvalue()
        self.message.value = (f"step {self.lab.step} · {self.lab.data_name} · {self.lab.loss} · lr D {self.lab.lr_d:.0e}, "
                              f"G {self.lab.lr_g:.0e} · k {self.lab.k}")

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)
