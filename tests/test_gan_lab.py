"""The GAN Lab: its views computed from a run, the figures drawn from them, and the widget driven as clicks drive it
(headlessly, and once in a live kernel)."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
import torch
from nbclient import NotebookClient

from gan_course.losses.gan import nonsaturating_generator_loss
from gan_course.experiments.losses.gradient_field import sample_gradients
from gan_course.experiments.visualization.gan_lab import GANLab, _quad_areas, mixture
from gan_course.experiments.visualization.gan_lab_figures import animate_lab, draw_lab
from gan_course.experiments.visualization.gan_lab_widget import GANLabWidget

SMALL = dict(hidden=16, batch_size=32)
VIEW = dict(cells=8, resolution=20)


def test_cell_areas_are_those_of_the_mapped_quadrilaterals():
    corners = np.linspace(-1, 1, 5)
    square = np.stack(np.meshgrid(corners, corners, indexing="ij"), axis=-1)  # cells of side 0.5
    assert np.allclose(_quad_areas(square), 0.25)
    sheared = square @ np.array([[2.0, 0.0], [1.0, 0.5]])  # determinant 1: areas kept
    assert np.allclose(_quad_areas(sheared), 0.25)
    assert np.allclose(_quad_areas(3 * square), 9 * 0.25)


def test_the_views_describe_the_run():
    lab = GANLab(**SMALL)
    lab.train(3)
    views = lab.views(**VIEW)
    assert views.step == 3 and views.manifold.shape == (9, 9, 2) and views.density.shape == (8, 8)
    areas = _quad_areas(views.manifold)
    assert np.allclose((views.density * areas).sum(), 1.0, rtol=1e-4)  # each latent cell carries 1/64 of the mass
    assert views.surface.shape == (20, 20) and views.probability and 0 <= views.surface.min() <= views.surface.max() <= 1
    assert views.fake.shape == views.gradient.shape == (256, 2) and views.real.shape == (512, 2)
    assert views.history["d_loss"][0] == [1, 2, 3]
    with torch.no_grad():
        fake = lab.trainer.generator(lab.trainer.fixed_latent.z)
    assert np.allclose(views.fake, fake.numpy())


def test_the_arrows_are_minus_the_generators_loss_gradient_on_each_fake():
    lab = GANLab(**SMALL)
    lab.train(5)
    views = lab.views(**VIEW)
    _, gradient = sample_gradients(lab.trainer.discriminator, nonsaturating_generator_loss, torch.tensor(views.fake))
    assert np.allclose(views.gradient, -gradient.numpy(), atol=1e-6)
    # following the arrow raises D's logit: the non-saturating loss -log sigmoid(l) falls as l grows
    step = 1e-3 * views.gradient / np.linalg.norm(views.gradient, axis=1, keepdims=True)
    with torch.no_grad():
        before = lab.trainer.discriminator(torch.tensor(views.fake))
        after = lab.trainer.discriminator(torch.tensor(views.fake + step, dtype=torch.float32))
    assert (after > before).float().mean() > 0.95


def test_settings_change_the_running_lab_and_bad_ones_are_refused():
    lab = GANLab(**SMALL)
    lab.train(2)
    weights = [p.clone() for p in lab.trainer.generator.parameters()]
    lab.set(loss="least squares", lr_d=2e-3, lr_g=5e-4, k=3)
    assert all(torch.equal(a, b) for a, b in zip(weights, lab.trainer.generator.parameters()))
    assert lab.trainer.optimizers["discriminator"].param_groups[0]["lr"] == 2e-3
    assert lab.trainer.optimizers["generator"].param_groups[0]["lr"] == 5e-4
    assert lab.trainer.step_function.d_steps == 3 and lab.step == 2
    lab.train(2)
    views = lab.views(**VIEW)
    assert not views.probability and views.history["d_loss"][0] == [1, 2, 3, 4]
    assert views.history["score_real"][0] == [3, 4] and views.history["d_real"][0] == [1, 2]
    for bad, message in ((dict(loss="hinge"), "loss must be one of"), (dict(lr_d=0), "lr_d must be a learning rate"),
                         (dict(lr_g=1.5), "lr_g must be"), (dict(k=0), "k \\(D updates per G update\\)")):
        with pytest.raises(ValueError, match=message):
            lab.set(**bad)
    with pytest.raises(ValueError, match="data must be one of ring, grid"):
        GANLab(data="moons")
    with pytest.raises(ValueError, match="centres must read 'x,y; x,y"):
        mixture("0,0; one,two")
    with pytest.raises(ValueError, match="one or more x,y pairs"):
        mixture("0,0,1")
    lab.reset(mixture("0,0; 2,2"))
    assert lab.step == 0 and lab.data_name == "your mixture" and lab.loss == "least squares"


def test_a_recorded_run_and_its_figures():
    lab = GANLab(**SMALL)
    frames = lab.record(4, 2, **VIEW)
    assert [frame.step for frame in frames] == [0, 2, 4]
    fig = draw_lab(frames[-1])
    assert len(fig.axes) == 3 and fig.axes[0].get_title().startswith("step 4: D(x)")
    fig = draw_lab(frames[-1], layers=["real", "fake"])
    assert len(fig.axes[0].images) == 0 and len(fig.axes[0].collections) == 2
    with pytest.raises(ValueError, match="layers must be among"):
        draw_lab(frames[-1], layers=["arrows"])
    html = animate_lab(frames).to_jshtml()
    assert html.count("data:image/png;base64") == 3
    with pytest.raises(ValueError, match="need 1 <= every <= steps"):
        lab.record(1, 2)


def test_the_widget_does_what_its_controls_say():
    widget = GANLabWidget(GANLab(**SMALL), steps_per_tick=2)
    first = widget.image.value
    widget.step_button.click()
    assert widget.lab.step == 2 and widget.image.value != first and "step 2" in widget.message.value
    widget.play.value += 1  # a tick of Play
    assert widget.lab.step == 4
    widget.loss.value = "WGAN-GP"
    widget.lr_d.value, widget.lr_g.value, widget.k.value = 1e-2, 1e-4, 5
    assert widget.lab.loss == "WGAN-GP" and widget.lab.lr_d == pytest.approx(1e-2) and widget.lab.k == 5
    assert widget.lab.trainer.optimizers["generator"].param_groups[0]["lr"] == pytest.approx(1e-4)
    widget.layers["surface"].value = False
    assert widget.lab.step == 4  # redrawn, not trained
    widget.data.value = "grid"
    assert widget.lab.step == 0 and widget.lab.data_name == "grid" and widget.play.value == 0
    widget.centres.value = "0,0; nowhere"
    widget.data.value = "your mixture"
    assert "centres must read" in widget.message.value and widget.lab.data_name == "grid"
    widget.centres.value = "0,0; 1,1"
    widget.reset_button.click()
    assert widget.lab.data_name == "your mixture" and len(widget.lab.distribution.modes) == 2


def test_the_widget_works_in_a_live_kernel():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from gan_course.experiments.visualization.gan_lab import GANLab\n"
                                  "from gan_course.experiments.visualization.gan_lab_widget import GANLabWidget\n"
                                  "widget = GANLabWidget(GANLab(hidden=16, batch_size=32), steps_per_tick=3)\n"
                                  "widget"),
        nbformat.v4.new_code_cell("widget.step_button.click()\nwidget.play.value += 1\nprint(widget.lab.step, "
                                  "len(widget.image.value) > 1000)"),
    ])
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    shown = notebook.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    model = json.loads(json.dumps(shown["application/vnd.jupyter.widget-view+json"]))["model_id"]
    assert model and notebook.cells[1].outputs[0]["text"].strip() == "6 True"
