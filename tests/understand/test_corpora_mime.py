"""Conformance on the public MIME corpora in ../shared/corpora (skipped when absent).

Every mail of every corpus goes through ``read_mail``: nothing may escape.
zbateson's expectations also check the subject and the attachment count;
the accuracy is printed (run with ``-s``) and held above the measured floor.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.understand import Understood, read_mail

#: Folders of mails per corpus, relative to the corpora root.
MIME_CORPORA = {
    "zbateson": "zbateson+mail-mime-parser/tests/_data/emails",
    "mime4j": "apache+james-mime4j",
    "mikel-errors": "mikel+mail/spec/fixtures/emails/error_emails",
    "mikel": "mikel+mail/spec/fixtures/emails",
    "cpython": "python+cpython",
    "php-mime-mail-parser": "php-mime-mail-parser+php-mime-mail-parser/tests/mails",
    "spamscope": "SpamScope+mail-parser/tests/mails",
    "flanker": "mailgun+flanker/tests/fixtures/messages",
    "rt": "bestpractical+rt",
}
NOT_MAIL = {".xml", ".json", ".jsonl", ".md", ".out", ".bin", ".rb", ".py", ".txt~"}

#: Measured: 67 of the 71 zbateson mails present give both the subject and the
#: attachment count (misses: an unlabelled UTF-7 subject, uuencoded and BinHex
#: attachments, a signed mail whose expectation leaves attachments out).
ZBATESON_FLOOR = 0.93


def _mail_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() not in NOT_MAIL
        and "LICENSE" not in path.name
        and "_decoded" not in path.name
        and path.name not in {"SOURCE.md", "MISSING_FROM_SNAPSHOT.txt"}
    )


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(MIME_CORPORA))
def test_read_mail_never_raises_on_corpus(corpora, name):
    folder = corpora / MIME_CORPORA[name]
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    files = _mail_files(folder)
    assert files
    with_defects = 0
    for path in files:
        mail = read_mail(path.read_bytes())
        assert isinstance(mail, Understood), path
        with_defects += bool(mail.defects)
    print(f"\n{name}: {len(files)} files read, {with_defects} with defects")


def test_zbateson_subjects_and_attachment_counts(corpora):
    root = corpora / "zbateson+mail-mime-parser"
    expected = json.loads((root / "expected_EmailFunctionalTest.json").read_text(encoding="utf-8"))
    checked = subjects = counts = both = 0
    for key, expectation in expected.items():
        path = root / "tests" / "_data" / "emails" / f"{key}.txt"
        if not path.exists():
            continue
        mail = read_mail(path.read_bytes())
        subject_ok = mail.subject == expectation["Subject"]
        count_ok = len(mail.attachments) == expectation.get("attachments", 0)
        checked += 1
        subjects += subject_ok
        counts += count_ok
        both += subject_ok and count_ok
    accuracy = both / checked
    print(f"\nzbateson: {checked} mails, subject {subjects}/{checked}, attachments {counts}/{checked}, both {accuracy:.1%}")
    assert accuracy >= ZBATESON_FLOOR


def test_zbateson_senders(corpora):
    root = corpora / "zbateson+mail-mime-parser"
    expected = json.loads((root / "expected_EmailFunctionalTest.json").read_text(encoding="utf-8"))
    good = checked = 0
    for key, expectation in expected.items():
        path = root / "tests" / "_data" / "emails" / f"{key}.txt"
        if not path.exists() or not expectation.get("From", {}).get("email"):
            continue
        mail = read_mail(path.read_bytes())
        checked += 1
        good += mail.sender is not None and mail.sender.email == expectation["From"]["email"].lower()
    print(f"\nzbateson senders: {good}/{checked}")
    assert good / checked >= 0.95


#: Measured: 20 of the 24 php-mime-mail-parser mails present give the same
#: attachment names (misses: its "noname1" defaults, and inline named text
#: parts, which zbateson reads as body text and so do we).
PHP_NAMES_FLOOR = 0.8


def test_php_mime_mail_parser_subjects_and_attachment_names(corpora):
    root = corpora / "php-mime-mail-parser+php-mime-mail-parser"
    records = json.loads((root / "expected_provideData.json").read_text(encoding="utf-8"))["records"]
    checked = subjects = names = 0
    for record in records:
        path = root / record["file"]
        if not path.is_file():
            continue
        mail = read_mail(path.read_bytes())
        checked += 1
        subjects += " ".join(mail.subject.split()) == " ".join(record["subject"].split())
        names += [item.filename for item in mail.attachments] == [item["filename"] for item in record.get("attachments", [])]
    print(f"\nphp-mime-mail-parser: {checked} mails, subject {subjects}/{checked}, attachment names {names}/{checked}")
    assert subjects == checked
    assert names / checked >= PHP_NAMES_FLOOR
