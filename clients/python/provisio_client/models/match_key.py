from enum import StrEnum


class MatchKey(StrEnum):
    EMAIL = "email"
    EXTERNAL_ID = "external_id"
    USER_NAME = "user_name"

    def __str__(self) -> str:
        return str(self.value)
