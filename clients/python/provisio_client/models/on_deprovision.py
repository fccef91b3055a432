from enum import StrEnum


class OnDeprovision(StrEnum):
    KEEP = "keep"
    REMOVE = "remove"

    def __str__(self) -> str:
        return str(self.value)
