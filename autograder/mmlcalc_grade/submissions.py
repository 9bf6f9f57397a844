"""Find the submissions of an assignment in a folder or a zip file.

Three layouts (and a ``.zip`` of any of them, possibly wrapped in one folder):

1. nbgrader's ``submitted/``: ``<student_id>/<assignment>/<notebook>.ipynb``;
2. a flat folder of ``<student_id>.ipynb`` files (a one-notebook assignment);
3. ``<student_id>/`` folders holding the notebook somewhere else (wrong folder,
   or renamed): when a student's folder holds exactly one notebook and the
   assignment has one, that notebook is graded and the rename is noted.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

#: Largest total size of the files extracted from a zip.
MAX_ZIP_BYTES = 2 * 2**30


class SubmissionsError(Exception):
    """The submissions cannot be read at all (missing folder, broken zip)."""


@dataclass
class FoundNotebook:
    path: str | None  # None: not submitted
    folder: str | None  # the folder copied next to it into the worker (None: the file only)
    notes: list[str] = field(default_factory=list)


@dataclass
class FoundSubmission:
    student_id: str
    notebooks: dict[str, FoundNotebook]  # by master notebook name


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__MACOSX")) and path.name != "__pycache__"


def _notebooks_under(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*.ipynb")
        if p.is_file()
        and ".ipynb_checkpoints" not in p.parts
        and all(_visible(Path(part)) for part in p.relative_to(folder).parts)
    )


def extract_zip(archive: Path, target: Path) -> Path:
    """Extract ``archive`` into ``target`` safely (no absolute paths, no ``..``, no links)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            total = 0
            for member in zipped.infolist():
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts or member.is_dir():
                    continue
                if stat.S_ISLNK(member.external_attr >> 16):
                    continue
                total += member.file_size
                if total > MAX_ZIP_BYTES:
                    raise SubmissionsError(f"{archive} unpacks to more than {MAX_ZIP_BYTES} bytes")
                destination = target.joinpath(*name.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, destination.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionsError(f"cannot read the zip file {archive}: {error}") from error
    return target


def _unwrap(root: Path, assignment_id: str) -> Path:
    """Descend through a single wrapping folder (``submitted/``, the folder a zip was made of)."""
    while True:
        entries = [p for p in root.iterdir() if _visible(p)]
        if len(entries) != 1 or not entries[0].is_dir():
            return root
        only = entries[0]
        if only.name != "submitted" and (only / assignment_id).is_dir():
            return root  # the only entry is a student's folder (layout 1)
        root = only


def find_submissions(
    root: Path, assignment_id: str, notebook_names: list[str], other_assignments=()
) -> list[FoundSubmission]:
    """Every student's submission under ``root`` (already extracted), sorted by student id.

    Notebooks inside a folder named like another assignment (``other_assignments``)
    belong to that assignment and are never graded for this one.
    """
    root = _unwrap(root, assignment_id)
    found: dict[str, FoundSubmission] = {}
    entries = sorted(p for p in root.iterdir() if _visible(p))
    for entry in entries:
        if entry.is_file() and entry.suffix == ".ipynb":
            student = entry.stem
            notebooks = {}
            for index, name in enumerate(notebook_names):
                if index == 0:
                    notebooks[name] = FoundNotebook(str(entry), None)
                else:
                    notebooks[name] = FoundNotebook(
                        None, None, [f"a flat folder holds one notebook per student, not {name}"]
                    )
            found.setdefault(student, FoundSubmission(student, notebooks))
    for entry in entries:
        if entry.is_dir():
            found[entry.name] = FoundSubmission(
                entry.name,
                _match_folder(entry, assignment_id, notebook_names, set(other_assignments)),
            )
    return [found[student] for student in sorted(found)]


def _match_folder(
    folder: Path, assignment_id: str, names: list[str], others: set[str]
) -> dict[str, FoundNotebook]:
    expected = folder / assignment_id
    everything = [
        p for p in _notebooks_under(folder) if p.relative_to(folder).parts[0] not in others
    ]
    result = {}
    for name in names:
        exact = expected / name
        if exact.is_file():
            result[name] = FoundNotebook(str(exact), str(expected))
            continue
        same_name = [p for p in everything if p.name == name]
        if same_name:
            chosen = same_name[0]
            where = chosen.relative_to(folder).as_posix()
            result[name] = FoundNotebook(
                str(chosen),
                str(chosen.parent),
                [f"the notebook was found at {where}, not {assignment_id}/{name}; graded anyway"],
            )
            continue
        if len(names) == 1 and len(everything) == 1:
            chosen = everything[0]
            where = chosen.relative_to(folder).as_posix()
            result[name] = FoundNotebook(
                str(chosen),
                str(chosen.parent),
                [f"the only notebook, {where}, was graded as {name} (renamed or moved)"],
            )
            continue
        others = ", ".join(p.relative_to(folder).as_posix() for p in everything) or "none"
        result[name] = FoundNotebook(
            None, None, [f"no notebook {name} was found (notebooks in the folder: {others})"]
        )
    return result
