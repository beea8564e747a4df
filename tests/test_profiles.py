import pytest

from book_utils import profiles


def test_default_is_quick(monkeypatch):
    monkeypatch.delenv("BOOK_PROFILE", raising=False)
    assert profiles.active_profile() == "quick"
    assert profiles.pick(quick=1, full=2) == 1


def test_full_from_environment(monkeypatch):
    monkeypatch.setenv("BOOK_PROFILE", "FULL ")
    assert profiles.active_profile() == "full"
    assert profiles.pick(quick=1, full=2) == 2
    assert profiles.pick(quick=1, full=2, profile="quick") == 1


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("BOOK_PROFILE", "fast")
    with pytest.raises(ValueError, match="unknown profile 'fast'.*quick, full"):
        profiles.active_profile()
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.pick(quick=1, full=2, profile="paper")


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), (" TRUE ", True), ("", False),
                                             ("0", False), ("false", False), ("No", False)])
def test_smoke_mode_reads_book_smoke(monkeypatch, value, expected):
    monkeypatch.setenv("BOOK_SMOKE", value)
    assert profiles.smoke_mode() is expected


def test_smoke_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv("BOOK_SMOKE", raising=False)
    assert profiles.smoke_mode() is False


def test_pick_uses_smoke_instead_of_full_in_smoke_mode(monkeypatch):
    monkeypatch.setenv("BOOK_SMOKE", "1")
    assert profiles.pick(quick=1, full=2, smoke=3, profile="full") == 3
    assert profiles.pick(quick=1, full=2, profile="full") == 2            # no smoke value: full's
    assert profiles.pick(quick=1, full=2, smoke=3, profile="quick") == 1  # quick never uses it
    assert profiles.pick(quick=1, full=2, smoke=None, profile="full") is None   # None is a value
    monkeypatch.setenv("BOOK_SMOKE", "0")
    assert profiles.pick(quick=1, full=2, smoke=3, profile="full") == 2
