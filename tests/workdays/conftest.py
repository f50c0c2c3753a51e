import pytest

from yiwang.workdays import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The in-process table may hold rows of an earlier test's rolled-back transaction.
    calendar.refresh()
    yield
    calendar.refresh()


@pytest.fixture
def schedule_file(tmp_path):
    """Write CSV text to a file and return its path."""

    def write(text: str, name: str = "holidays.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
