from enum import StrEnum


class CredentialKind(StrEnum):
    API_KEY = "api_key"
    BASIC = "basic"
    BEARER = "bearer"

    def __str__(self) -> str:
        return str(self.value)
