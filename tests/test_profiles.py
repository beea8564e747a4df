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
