"""The statistics as tables: the same rows for the page's data tables and for the CSV export.

One definition per table, so what a screen reader reads under a chart and what
a spreadsheet gets are the same numbers. Headers in French; numbers stay
numbers (the page formats them, the CSV writes them plainly; shares as
percentages with one decimal).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from gateway.reporting.durations import Summary
from gateway.reporting.statistics import Row, Statistics

USEFULNESS_LABELS = {"oui": "Oui", "ne_sait_pas": "Je ne sais pas", "non": "Non", "sans_reponse": "Sans réponse"}


@dataclass(frozen=True)
class Table:
    name: str  # used in URLs and file names
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def weeks(stats: Statistics) -> Table:
    return Table("semaines", "Dossiers ouverts et clos par semaine", ("Semaine du", "Ouverts", "Clos"),
                 [(w.monday.strftime("%d/%m/%Y"), w.opened, w.closed) for w in stats.weeks])


def delays(stats: Statistics) -> Table:
    """Distribution of the two delays, bucket by bucket."""
    rows = [(label, first, closing) for (label, first), (_, closing) in zip(stats.first_reply.buckets, stats.closing.buckets)]
    return Table("delais", "Délais en jours ouvrés : nombre de dossiers par tranche",
                 ("Délai", "Première réponse d'un agent", "Clôture"), rows)


def _breakdown(name: str, caption: str, first: str, rows: list[Row]) -> Table:
    return Table(name, caption, (
        first, "Nom", "Dossiers", "Clos", "En retard", "Part en retard (%)",
        "Première réponse, médiane (j. ouvrés)", "Première réponse, 9 sur 10 en moins de (j. ouvrés)",
        "Clôture, médiane (j. ouvrés)",
    ), [
        (row.code, row.name, row.tickets, row.closed, row.late, percent(row.late, row.tickets),
         row.first_reply.median, row.first_reply.p90, row.closing.median)
        for row in rows
    ])


def organisations(stats: Statistics) -> Table:
    return _breakdown("organismes", "Par organisme", "Code", stats.organisations)


def areas(stats: Statistics) -> Table:
    return _breakdown("territoires", "Par territoire (département)", "Code", stats.areas)


def usefulness(stats: Statistics) -> Table:
    total = sum(stats.usefulness.values())
    return Table("utilite", "« A+ vous a-t-il été utile ? » : réponses des demandeurs, dossiers clos",
                 ("Réponse", "Dossiers", "Part (%)"),
                 [(USEFULNESS_LABELS[key], count, percent(count, total)) for key, count in stats.usefulness.items()])


def summary(stats: Statistics) -> Table:
    def row(label: str, figures: Summary) -> tuple:
        return (label, figures.count, figures.median, figures.mean, figures.p90)

    return Table("resume", "Délais en jours ouvrés", ("Délai", "Dossiers", "Médiane", "Moyenne", "9 sur 10 en moins de"),
                 [row("Première réponse d'un agent", stats.first_reply), row("Clôture", stats.closing)])


BY_NAME = {"semaines": weeks, "delais": delays, "organismes": organisations, "territoires": areas,
           "utilite": usefulness, "resume": summary}


def to_csv(table: Table) -> str:
    """';'-separated with a BOM, as French spreadsheets open it; decimals with a comma."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if cell is None else (str(cell).replace(".", ",") if isinstance(cell, float) else cell)
                         for cell in row])
    return buffer.getvalue()
