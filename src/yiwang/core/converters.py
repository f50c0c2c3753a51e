"""`<id:pk>` in every path, pages and API alike: a row's id, as the database can hold it.
Django's `<id:…>` takes any run of digits, and a number past a 64-bit integer made SQLite
raise OverflowError: a 500 where the row simply does not exist. Beyond MAX_ID the path does
not match, so the answer is a 404; the API schema documents the same bounds
(SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"])."""

MAX_ID = 2**63 - 1  # a signed 64-bit integer: BigAutoField on PostgreSQL and SQLite


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)  # a ValueError (over 4,300 digits) is a mismatch too
        if number > MAX_ID:
            raise ValueError("beyond any id")
        return number

    def to_url(self, value) -> str:
        return str(value)
