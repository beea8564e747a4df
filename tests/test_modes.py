import numpy as np
import pytest

from book_utils.basics.toy import ring_centers, ring_of_gaussians
from book_utils.gan.modes import mode_coverage, nearest_mode

CENTERS = ring_centers(8, 2.0)
STD = 0.05


def test_samples_from_the_ring_cover_all_modes_and_are_high_quality():
    x, mode = ring_of_gaussians(4000, std=STD, seed=0)
    report = mode_coverage(x, CENTERS, STD)
    assert report.covered == 8 and report.modes == 8
    assert report.high_quality > 0.98          # 3 std in 2-D holds 1 - exp(-4.5) = 98.9 %
    assert report.counts.sum() == pytest.approx(report.high_quality * 4000)
    inside = nearest_mode(x, CENTERS, STD) >= 0
    assert np.all(nearest_mode(x, CENTERS, STD)[inside] == mode[inside])


def test_points_at_one_centre_cover_exactly_one_mode():
    x = np.repeat(CENTERS[3:4], 100, axis=0) + 0.01
    report = mode_coverage(x, CENTERS, STD)
    assert report.covered == 1 and report.high_quality == 1.0
    assert report.counts.tolist() == [0, 0, 0, 100, 0, 0, 0, 0]


def test_points_between_modes_and_at_the_origin_are_low_quality():
    midpoints = (CENTERS + np.roll(CENTERS, 1, axis=0)) / 2
    x = np.concatenate([np.repeat(midpoints, 10, axis=0), np.zeros((20, 2)), CENTERS[:2].repeat(30, axis=0)])
    report = mode_coverage(x, CENTERS, STD)
    assert report.high_quality == pytest.approx(60 / 160)
    assert report.covered == 2
    assert np.all(nearest_mode(midpoints, CENTERS, STD) == -1)


def test_threshold_and_min_count():
    x = CENTERS[0] + np.array([[2.5 * STD, 0.0], [3.5 * STD, 0.0]])
    assert nearest_mode(x, CENTERS, STD).tolist() == [0, -1]
    assert nearest_mode(x, CENTERS, STD, threshold=4).tolist() == [0, 0]
    x = np.concatenate([np.repeat(CENTERS[:1], 19, axis=0), np.repeat(CENTERS[1:2], 20, axis=0)])
    assert mode_coverage(x, CENTERS, STD, min_count=20).covered == 1
    assert mode_coverage(x, CENTERS, STD, min_count=19).covered == 2


@pytest.mark.parametrize("samples, centers, std, match", [
    (np.zeros((5, 3)), CENTERS, STD, "N x 2"),
    (np.zeros(5), CENTERS, STD, "N x 2"),
    (np.zeros((0, 2)), CENTERS, STD, "empty"),
    (np.full((3, 2), np.nan), CENTERS, STD, "finite"),
    (np.zeros((3, 2)), np.zeros(2), STD, "K x D"),
    (np.zeros((3, 2)), CENTERS, 0.0, "std"),
    (np.zeros((3, 2)), CENTERS, -1.0, "std"),
])
def test_bad_input_gets_a_clear_error(samples, centers, std, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage(samples, centers, std)


def test_bad_min_count():
    with pytest.raises(ValueError, match="min_count"):
        mode_coverage(CENTERS, CENTERS, STD, min_count=0)
