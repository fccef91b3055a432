from enum import StrEnum


class BasicCredentialsType(StrEnum):
    BASIC = "basic"

    def __str__(self) -> str:
        return str(self.value)
