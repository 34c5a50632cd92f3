"""The place tables of ``routing/data``, loaded once per process on first use.

``scripts/generate_geography.py`` writes the CSV files from INSEE / La Poste open
data; here they become dictionaries keyed by normalised name (with bare forms
such as "Havre" for "Le Havre"), postal code and INSEE code, plus the set of
name prefixes that lets the scan walk n-grams like a trie.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from routing.geography.text import normalise_name
from routing.geography.vocabulary import ARTICLES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class Place(NamedTuple):
    """One way of naming a place: a département, a région, a commune (or its short/bare name).

    A NamedTuple rather than a frozen dataclass: 40,000 of them are built at load time."""

    kind: str  # "departement", "region", "commune", "delegated", "short"
    code: str  # département code, région code, or INSEE commune code
    departement: str  # département code ("" for a metropolitan région)
    population: int
    common: bool
    needs_previous: frozenset[str] = frozenset()  # bare names: "Havre" only after "au"/"du"


@dataclass
class Tables:
    departements: dict[str, str]  # code -> name, in INSEE order
    names: dict[str, list[Place]]  # normalised name -> places
    first_words: frozenset[str]  # first word of every name: the only tokens where a scan starts
    prefixes: frozenset[str]  # every proper token prefix of a name: "saint", "saint etienne du", ...
    postal: dict[str, list[tuple[str, str, int]]]  # postal code -> (insee, département, population)
    commune_departement: dict[str, str]  # INSEE code -> département
    plm: dict[str, tuple[str, frozenset[int]]]  # normalised city name -> (département, arrondissement numbers)


_TABLES: Tables | None = None
_LOCK = threading.Lock()


def read_csv(name: str) -> list[dict[str, str]]:
    path = DATA_DIR / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    rows = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = next(rows)
    return [dict(zip(header, row)) for row in rows]


def bare_name_rule(normalised: str) -> tuple[str, frozenset[str]] | None:
    """'le havre' is also written 'au Havre', 'du Havre'; 'les lilas' -> 'aux Lilas', 'des Lilas'."""
    first, _, rest = normalised.partition(" ")
    if not rest:
        return None
    if first == "le":
        return rest, frozenset({"au", "du"})
    if first in ("les", "aux"):
        return rest, frozenset({"aux", "des"})
    return None


def load_tables() -> Tables:
    names: dict[str, list[Place]] = defaultdict(list)
    departements: dict[str, str] = {}
    for row in read_csv("departements.csv"):
        departements[row["code"]] = row["name"]
        place = Place("departement", row["code"], row["code"], 0, row["common"] == "1")
        names[normalise_name(row["name"])].append(place)
        if row["article"]:
            names[normalise_name(f"{row['article']} {row['name']}")].append(place)
    department_keys = set(names)
    overseas_names = {strip_article(key) for key, places in names.items() if places[0].code.startswith("97")}
    for row in read_csv("regions.csv"):
        # Overseas régions bear their département's name, already indexed (with its gates).
        for key in {normalise_name(row["name"]), strip_article(normalise_name(row["name"]))}:
            if key in department_keys or strip_article(key) in overseas_names:
                continue
            names[key].append(Place("region", row["code"], "", 0, False))

    commune_departement: dict[str, str] = {}
    plm: dict[str, tuple[str, set[int]]] = {}
    population: dict[str, int] = {}
    arrondissement_re = re.compile(r"^(.+) (\d+)(?:er|e) arrondissement$", re.IGNORECASE)
    for row in read_csv("communes.csv.gz"):
        insee, dep, pop, kind = row["insee"], row["departement"], int(row["population"]), row["kind"]
        common = row["common"] == "1"
        if kind == "ARM":
            match = arrondissement_re.match(row["name"])
            if match:
                city = normalise_name(match.group(1))
                plm.setdefault(city, (dep, set()))[1].add(int(match.group(2)))
            commune_departement.setdefault(insee, dep)
            population[insee] = pop
            continue
        if kind == "COM":
            commune_departement[insee] = dep
            population[insee] = pop
        place_kind = "commune" if kind == "COM" else "delegated"
        key = normalise_name(row["name"])
        names[key].append(Place(place_kind, insee, dep, pop, common))
        bare = bare_name_rule(key)
        if bare:
            names[bare[0]].append(Place(place_kind, insee, dep, pop, common, bare[1]))
        for short in filter(None, row["short_name"].split("|")):
            names[normalise_name(short)].append(Place("short", insee, dep, pop, False))

    postal: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for row in read_csv("postal_codes.csv.gz"):
        insee = row["insee"]
        if insee in commune_departement:
            postal[row["postal_code"]].append((insee, commune_departement[insee], population.get(insee, 0)))

    prefixes: set[str] = set()
    for key in names:
        end = key.find(" ")
        while end != -1:
            prefixes.add(key[:end])
            end = key.find(" ", end + 1)
    return Tables(
        departements=departements,
        names=dict(names),
        prefixes=frozenset(prefixes),
        first_words=frozenset(key.partition(" ")[0] for key in names),
        postal=dict(postal),
        commune_departement=commune_departement,
        plm={city: (dep, frozenset(numbers)) for city, (dep, numbers) in plm.items()},
    )


def strip_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in ARTICLES and rest else key


def tables() -> Tables:
    """Load the tables once per process (about half a second), on first use."""
    global _TABLES
    if _TABLES is None:
        with _LOCK:
            if _TABLES is None:
                _TABLES = load_tables()
    return _TABLES
