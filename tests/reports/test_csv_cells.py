"""S3: a name in the CSV export never reaches a spreadsheet as a formula."""

from __future__ import annotations

import pytest

from reports.csvexport import _text


@pytest.mark.parametrize(
    "name", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1+2", '=HYPERLINK("x")']
)
def test_a_name_starting_like_a_formula_is_quoted(name):
    assert _text(name) == "'" + name


@pytest.mark.parametrize("name", ["Sales", "Ünal", "1st line", "a=b", " spaced"])
def test_other_names_are_left_alone(name):
    assert _text(name) == name
