"""What a dossier import reports, the same for the CSV import and the one-stop sync: counts and rejections."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DossierRejection:
    where: str  # "line 12", "page 2 record 5": enough to find the record in its source
    code: str | None
    errors: list[tuple[str, str]]  # (field, reason)
    line: int | None = None  # the file's line, for a file's rows

    def __str__(self) -> str:
        where = self.where + (f" ({self.code})" if self.code else "")
        return f"{where}: " + "; ".join(f"{name}: {message}" for name, message in self.errors)


@dataclass
class DossierImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[DossierRejection] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        """``outcome``: what the store's ``apply_payload`` reported (created, updated, unchanged)."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )
