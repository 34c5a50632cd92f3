"""/statistiques: numbers for every role that logs in, charts with their tables, CSV with the same filters."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from gateway.models import utcnow
from tests.admin_flow.test_statistics import Tickets


@pytest.fixture
def tickets(database):
    start = utcnow() - timedelta(days=20)
    with database.begin() as session:
        made = Tickets(session)
        made.add(start, reply=start + timedelta(days=1), closed=start + timedelta(days=6), usefulness="oui")
        made.add(start, reply=start + timedelta(days=2), organisations=("CPAM",), areas=("57",))
        made.add(start)
    return database


@pytest.mark.parametrize("role", ["admin", "manager", "observer"])
def test_every_role_sees_the_numbers(client, login_as, tickets, role):
    login_as(role)
    page = client.get("/statistiques")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "dossiers ouverts" in html and "Par organisme" in html
    assert "T000001" not in html  # a count, never a ticket


def test_each_chart_is_an_svg_followed_by_its_table(client, login_as, tickets):
    login_as("observer")
    html = client.get("/statistiques").get_data(as_text=True)
    for ident in ("semaines", "delais", "organismes", "territoires", "utilite"):
        at = html.index(f'aria-labelledby="graphique-{ident}-titre graphique-{ident}-desc"')
        end_of_svg = html.index("</svg>", at)
        ET.fromstring(html[html.rindex("<svg", 0, at):end_of_svg + 6])  # well formed
        table_at, next_chart = html.find("<table>", end_of_svg), html.find("<figure", end_of_svg)
        assert table_at != -1 and (next_chart == -1 or table_at < next_chart)  # its table comes right after
    assert "<th scope=\"row\">CAF</th>" in html and "<th scope=\"row\">CPAM</th>" in html


def test_csv_export_has_the_figures_of_the_page(client, login_as, tickets):
    login_as("observer")
    answer = client.get("/statistiques/organismes.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Code", "Nom", "Dossiers"]
    assert {row[0]: row[2] for row in rows[1:]} == {"CAF": "2", "CPAM": "1"}
    assert client.get("/statistiques/inconnu.csv").status_code == 404


def test_filters_narrow_the_figures_and_bad_dates_are_explained(client, login_as, tickets):
    login_as("admin")
    rows = client.get("/statistiques/organismes.csv?organisme=CPAM").get_data(as_text=True).splitlines()
    assert len(rows) == 2 and rows[1].startswith("CPAM;")
    html = client.get("/statistiques?du=demain").get_data(as_text=True)
    assert "Date illisible" in html
    today = datetime.now(timezone.utc).date()
    html = client.get(f"/statistiques?du={today.isoformat()}&au={(today - timedelta(days=40)).isoformat()}").get_data(as_text=True)
    assert "elles ont été inversées" in html


def test_a_stranger_is_sent_to_the_login(client):
    assert client.get("/statistiques").status_code == 302
    assert client.get("/statistiques/semaines.csv").status_code == 302
