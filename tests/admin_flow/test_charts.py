"""Server-side SVG charts: well-formed, proportional, labelled for assistive technology, inert text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from admin.charts import Series, bar_chart, column_chart, nice_ticks, number

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]


def test_columns_are_proportional_to_the_values():
    root = parse(column_chart("semaines", "Volume", "Dossiers par semaine", ["S1", "S2", "S3"],
                              [Series("ouverts", [10, 20, 0]), Series("clos", [5, 40, 1])]))
    heights = [float(r.get("height")) for r in bars(root)]
    assert len(heights) == 6
    opened, closed = heights[0::2], heights[1::2]
    assert opened[1] == pytest.approx(2 * opened[0]) and closed[1] == pytest.approx(8 * closed[0])
    assert opened[2] == 0 and closed[2] > 0


def test_a_chart_names_itself_for_screen_readers():
    root = parse(bar_chart("orgs", "Dossiers par organisme", "Nombre de dossiers", ["CAF", "CPAM"], [3, 1]))
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    found = {element.get("id"): element.text for element in root.iter() if element.get("id")}
    assert [found[i] for i in ids] == ["Dossiers par organisme", "Nombre de dossiers"]


def test_labels_from_the_database_stay_text():
    hostile = '<script>alert(1)</script>" onload="x'
    markup = str(bar_chart("g", hostile, hostile, [hostile], [1]))
    root = ET.fromstring(markup)
    assert not list(root.iter("script")) and not list(root.iter(SVG + "script"))
    assert all("onload" not in element.attrib for element in root.iter())
    assert "&lt;script&gt;" in markup


def test_no_data_draws_an_empty_axis_not_an_error():
    root = parse(column_chart("vide", "Volume", "Aucun dossier", [], [Series("ouverts", [])]))
    assert bars(root) == []


def test_axis_ticks_are_round_and_cover_the_maximum():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(96) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(1234)[-1] >= 1234 and nice_ticks(1234)[1] == 500


def test_numbers_are_written_the_french_way():
    assert number(1234567) == "1\u202f234\u202f567"
    assert number(2.5) == "2,5"
    assert number(3.0) == "3"
