"""What every import reports: how many records it wrote new, changed or found unchanged, and each one it rejected and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Sequence


@dataclass
class Rejection:
    where: str  # "line 12", "page 2 record 5": enough to find the record in its source
    code: str | None
    errors: Sequence[tuple[str, str]]  # (field, reason); a records.FieldError is one
    line: int | None = None  # the file's line, for a file's rows

    @classmethod
    def at_line(cls, line: int, code: str | None, errors: Sequence[tuple[str, str]]) -> Rejection:
        return cls(f"line {line}", code, errors, line=line)

    def __str__(self) -> str:
        where = self.where + (f" ({self.code})" if self.code else "")
        return f"{where}: " + "; ".join(f"{name}: {reason}" for name, reason in self.errors)


@dataclass
class UpsertCounts:
    """The counts of an upsert by code. ``NEW`` names the count of new records, as the store words it."""

    NEW: ClassVar[str]
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)

    def count(self, outcome: str) -> None:
        """``outcome``: what the store reported (``NEW``, "updated" or "unchanged")."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def accepted(self) -> int:
        return getattr(self, self.NEW) + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{getattr(self, self.NEW)} {self.NEW}, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


@dataclass
class DossierImportSummary(UpsertCounts):
    """A dossier import, the same for the CSV import and the one-stop sync (the dossier store *creates*)."""

    NEW: ClassVar[str] = "created"
    created: int = 0
    rejected: list[Rejection] = field(default_factory=list)
