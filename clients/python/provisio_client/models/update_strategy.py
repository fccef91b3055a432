from enum import StrEnum


class UpdateStrategy(StrEnum):
    PATCH = "patch"
    PUT = "put"

    def __str__(self) -> str:
        return str(self.value)
