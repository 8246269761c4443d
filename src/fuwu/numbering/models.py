"""The last number handed out per organisation, kind and period (one row each): numbers are gap-free.

Rows change only through ``fuwu.numbering.services.next_number``.
"""

from __future__ import annotations

from django.db import models


class Sequence(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    period = models.CharField(max_length=10)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "period"], name="numbering_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}: {self.last_value}"
