"""gan_course.tables: result tables as HTML in notebooks, their aligned text elsewhere."""

import pytest
from IPython.lib.pretty import pretty

from gan_course.experiments.losses.comparison import ComparisonTable
from gan_course.tables import html_table


def test_an_html_table_escapes_its_cells_and_keeps_the_rows_in_order():
    html = html_table(["loss", "KL"], [["a < b", "0.1"], ["R&D", "0.2"]], caption="x > y")
    assert html.startswith("<table><caption>x &gt; y</caption><thead><tr><th>loss</th><th>KL</th></tr></thead>")
    assert html.index("a &lt; b") < html.index("R&amp;D") and html.count("<tr>") == 3
    assert "<caption>" not in html_table(["a"], [["1"]])


def test_rows_of_another_width_than_the_header_are_refused():
    with pytest.raises(ValueError, match=r"as many cells as the header \(2\), got rows of \[1, 2\]"):
        html_table(["a", "b"], [["1"]])


def test_a_notebook_prints_a_result_table_as_its_text_not_its_fields():
    table = ComparisonTable("ring", 8, 10, (0,))  # no runs: the header and caption only
    assert pretty(table) == str(table) and pretty(table).startswith("ring: 10 steps, seeds 0; one run per loss")
    assert "runs=" in repr(table)  # repr stays the dataclass's, for debugging


def test_a_text_table_aligns_names_left_and_numbers_right_under_a_rule():
    from gan_course.tables import text_table

    text = text_table(["loss", "modes"], [["NS-GAN", "7.0"], ["LSGAN", "12.5"]], "ring, 3 seeds")
    assert text.split("\n") == ["ring, 3 seeds", "loss    modes", "------  -----", "NS-GAN    7.0", "LSGAN    12.5"]
    assert text_table(["a"], [["b"]]).split("\n") == ["a", "-", "b"]
