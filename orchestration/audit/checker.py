"""``check_hashes.py``, the checker an audit pack ships: Python's standard library only, so
anyone can check the pack's files, content hash and publication hash (and the landing files)
without jifen."""

import json

from schemas.published import CHAINED_FIELDS, VERSIONED

_CHECK_SCRIPT = '''\
#!/usr/bin/env python3
"""Check this jifen audit pack with nothing but Python's standard library.

    python3 check_hashes.py                  # the pack's files, content hash, publication hash
    python3 check_hashes.py --landing DIR    # also every landing file of inputs_manifest.csv

Exit status 0 when every check passes.
"""

import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The published tables in hashing order, each with its columns (the CSV header).
TABLES = __TABLES__
# The publication fields its own hash covers, in order.
CHAINED_FIELDS = __CHAINED__


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rows_sha256(path, columns):
    """Each row's values joined by 0x1F (NULL, an empty field, as 0x00), each followed by a
    newline, in the file's order."""
    digest = hashlib.sha256()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != columns:
            raise SystemExit(f"{path.name}: header {header} is not {columns}")
        for row in reader:
            digest.update("\\x1f".join("\\x00" if v == "" else v for v in row).encode())
            digest.update(b"\\n")
    return digest.hexdigest()


def main(argv):
    ok = True

    def report(passed, text):
        nonlocal ok
        ok = ok and passed
        print(("OK       " if passed else "MISMATCH ") + text)

    for line in (HERE / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split("  ", 1)
        path = HERE / name
        report(path.is_file() and sha256_file(path) == expected, f"file {name}")
    publication = json.loads((HERE / "publication.json").read_text(encoding="utf-8"))
    content = hashlib.sha256()
    for table, columns in TABLES:
        content.update(table.encode())
        content.update(rows_sha256(HERE / f"{table}.csv", columns).encode())
    report(
        content.hexdigest() == publication["content_hash"],
        f"content hash {content.hexdigest()} (publication.json: {publication['content_hash']})",
    )
    if publication.get("publication_hash"):
        text = "\\x1f".join(
            "" if publication[f] is None else str(publication[f]) for f in CHAINED_FIELDS
        )
        chained = hashlib.sha256(text.encode()).hexdigest()
        report(
            chained == publication["publication_hash"],
            f"publication hash {chained} (publication.json: {publication['publication_hash']})",
        )
    if len(argv) == 2 and argv[0] == "--landing":
        landing = Path(argv[1])
        with open(HERE / "inputs_manifest.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                path = landing / row["source"] / row["file"]
                report(
                    path.is_file() and sha256_file(path) == row["sha256"],
                    f"landing file {row['source']}/{row['file']}",
                )
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


def check_script() -> str:
    """The checker with this jifen's published tables and chained fields filled in."""
    tables = [[table.name, list(table.column_names)] for table in VERSIONED]
    return _CHECK_SCRIPT.replace("__TABLES__", json.dumps(tables)).replace(
        "__CHAINED__", json.dumps(list(CHAINED_FIELDS))
    )
