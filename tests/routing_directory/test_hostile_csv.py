"""Hostile directory files: the import answers with a report or a clear error, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.directory.csv_file import DirectoryFileError, import_directory

HEADER = "Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL;Type\n"
CELL = st.text(alphabet=st.sampled_from(list("aéZ 1329AB;,/\"@.-_<>\x00\t\r\nÎ+")), max_size=24) | st.sampled_from(
    ["CAF", "cpam", "13", "2a", "national", "triage", "x@caf.example", "Bouches-du-Rhône", "20", ""]
)
ROW = st.lists(CELL, min_size=0, max_size=10).map(lambda cells: ";".join(cells))
FILE = st.lists(ROW, max_size=8).map(lambda rows: HEADER + "\n".join(rows))

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def import_and_roll_back(database, content, dry_run):
    with database.sessions() as session:
        try:
            report = import_directory(session, content, dry_run=dry_run)
        except DirectoryFileError as error:
            assert str(error)
            return
        finally:
            session.rollback()
    assert report.lines == report.accepted + len(report.rejected)
    assert all(r.reasons and r.line >= 2 for r in report.rejected)


@FUZZ
@given(text=FILE, dry_run=st.booleans())
def test_random_rows_never_crash(database, text, dry_run):
    import_and_roll_back(database, text, dry_run)


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_never_crash(database, data):
    import_and_roll_back(database, data, False)
