"""book_utils.metrics.compare: the one Fréchet-distance protocol and run fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

from book_utils.data import load
from book_utils.metrics import evaluate_samples
from book_utils.metrics.compare import (
    FD_REPEATS,
    frechet_protocol,
    print_fingerprint,
    read_fingerprints,
    real_row,
    run_fingerprint,
    run_label,
)


@pytest.fixture(scope="module")
def binary():
    return load("digits", view="binary")


def test_the_protocol_is_evaluate_samples_fid_matched_and_its_floor_is_the_test_split(binary):
    samples = binary.x_train[:1000].astype(np.float64)
    fds = frechet_protocol(samples, "digits", seed=0)
    assert fds.shape == (FD_REPEATS,) and np.all(fds > 0)
    scored = evaluate_samples(samples, "digits", view="binary", seed=0)
    assert fds.mean() == pytest.approx(scored["fid_matched"], rel=1e-12)
    floor = frechet_protocol(binary.x_test, "digits", seed=0)         # 360 images: one FD of all of them
    assert floor.shape == (1,) and floor[0] == pytest.approx(real_row("digits")["fid"], rel=1e-12)


def test_the_protocol_thresholds_grey_images_and_tells_a_copy_from_noise(binary):
    grey = load("digits").x_test / 16.0
    assert frechet_protocol(grey)[0] == pytest.approx(frechet_protocol(binary.x_test)[0], rel=1e-12)
    noise = np.random.default_rng(0).random((400, 8, 8))
    assert frechet_protocol(noise).mean() > 10 * frechet_protocol(binary.x_train).mean()
    with pytest.raises(ValueError, match="8x8"):
        frechet_protocol(np.zeros((10, 4, 4)))


def fake_run(out, samples, model="vae", nll=16.688, cpu=73.6):
    from book_utils.runs import prepare_run_dir, save_json, save_npy

    prepare_run_dir(out, model, {"epochs": 7}, data={"kind": "images", "name": "digits"})
    save_npy(out / "samples.npy", samples.astype(np.float32))
    save_json(out / "metrics.json", {"model": model, "epochs": 7, "test_nll": nll,
                                     "test_nll_kind": None if nll is None else "exact",
                                     "train_cpu_seconds": cpu, "parameters": 10})


def test_a_fingerprint_names_the_run_its_cost_its_numbers_and_its_samples(binary, tmp_path, capsys):
    out = tmp_path / "runs" / "book" / "vae"
    samples = binary.x_test.astype(np.float32)
    fake_run(out, samples)
    line = run_fingerprint(out)
    fd = frechet_protocol(samples).mean()
    assert line.startswith(f"{run_label(out)}: 7 epochs, 74 CPU s of training; test NLL 16.69 nats; "
                           f"FD {fd:.3f}; samples ")
    print_fingerprint(out)
    assert read_fingerprints("noise\n" + capsys.readouterr().out) == {run_label(out): line.split(": ", 1)[1]}
    fake_run(out, samples[::-1].copy())                    # other samples, same numbers: another hash
    assert run_fingerprint(out) != line and run_fingerprint(out)[:-8] == line[:-8]
    gan = tmp_path / "gan"
    fake_run(gan, samples, model="gan", nll=None)
    assert "test NLL" not in run_fingerprint(gan) and "FD" in run_fingerprint(gan)


def test_run_label_is_relative_to_the_book_folder(tmp_path):
    (tmp_path / "chapters").mkdir()
    assert run_label(tmp_path / "runs" / "book" / "gan") == "runs/book/gan"
    assert read_fingerprints("fingerprint of runs/book/gan: 650 epochs; FD 0.219; samples 5d717e4a\n") == \
        {"runs/book/gan": "650 epochs; FD 0.219; samples 5d717e4a"}
