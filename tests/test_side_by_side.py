"""Section 7.5's side-by-side table and reading list (book_utils.tools.side_by_side): framework-free."""

import json
import re

from book_utils.tools import side_by_side as sbs

KERAS = {
    "dataset": "digits",
    "epochs": 60,
    "model_and_training_lines": 120,
    "seconds_per_epoch": {"tensorflow": 0.5, "torch": 0.8},
    "test_neg_elbo": {"tensorflow": 19.1, "torch": 19.3},
    "file_formats": [".keras (model: config + weights, zip)", ".weights.h5 (weights only, HDF5)"],
}
TORCH = {
    "dataset": "digits",
    "epochs": 60,
    "model_and_training_lines": 153,
    "seconds_per_epoch": 0.25,
    "test_neg_elbo": 19.0,
    "cpu_seconds_per_epoch": 0.06,
    "threads": 1,
    "file_formats": [".pt (torch.save)", ".safetensors (raw)"],
    "machine": {
        "date": "2026-11-29 15:01 UTC",
        "cpu": "AMD EPYC",
        "logical_cores": 2,
        "load_average_1min": 1.5,
    },
}
HF = {
    "date": "2026-11-29",
    "cpu": "AMD EPYC",
    "cpu_count": 2,
    "torch_threads": 1,
    "recipe": {"steps": 1000},
    "steps_per_epoch": 140,
    "load_average_1_5_15_min_at_end": [3.0, 2.0, 1.0],
    "tools": {
        "book_transformer_pytorch_loop": {
            "lines_model": 90,
            "lines_training": 30,
            "wall_s_per_epoch": 12.0,
            "heldout_nats_per_token": 3.2,
            "file_formats": "torch.save ...",
        },
        "hf_gpt2_trainer": {
            "cpu_s_per_1000_steps": 30.0,
            "lines_model": 10,
            "lines_training": 25,
            "wall_s_per_epoch": 15.0,
            "heldout_nats_per_token": 3.25,
            "file_formats": "save_pretrained: config.json, model.safetensors",
        },
    },
}


def write(folder, **results):
    for key, value in results.items():
        (folder / sbs.BENCHES[key]).write_text(json.dumps(value))


def test_missing_benchmarks_are_none_and_skipped(tmp_path):
    write(tmp_path, torch=TORCH)
    results = sbs.load_results(tmp_path)
    assert results["keras"] is None and results["hf"] is None and results["torch"]["epochs"] == 60
    rows = sbs.tool_rows(results, tmp_path)
    assert [r["tool"] for r in rows] == ["PyTorch, the book's loop"]
    assert (
        rows[0]["measured"] == "2026-11-29 15:01 UTC; AMD EPYC, 2 cores; 1 PyTorch thread; load average 1.5"
    )


def test_rows_for_all_three_benchmarks(tmp_path):
    write(tmp_path, keras=KERAS, torch=TORCH, hf=HF)
    rows = sbs.tool_rows(sbs.load_results(tmp_path), tmp_path)
    assert [r["section"] for r in rows] == ["7.1", "7.1", "7.2", "7.3", "7.3"]
    keras_torch = rows[1]
    assert keras_torch["seconds_per_epoch"] == 0.8 and keras_torch["heldout"] == 19.3
    assert keras_torch["formats"] == ".keras, .weights.h5"
    assert rows[3]["lines"] == 120 and rows[4]["lines"] == 35 and rows[4]["formats"].startswith("config.json")
    assert (
        rows[4]["measured"] == "2026-11-29; AMD EPYC, 2 cores; 1 PyTorch thread; load average 3.0 at the end"
    )
    assert abs(rows[4]["cpu_seconds_per_epoch"] - 4.2) < 1e-9 and rows[3]["cpu_seconds_per_epoch"] is None
    assert "not recorded" in rows[0]["measured"] or "committed" in rows[0]["measured"]  # no date in KERAS


def test_markdown_table_has_one_line_per_row_and_rounds_numbers(tmp_path):
    write(tmp_path, keras=KERAS, torch=TORCH)
    table = sbs.markdown_table(sbs.tool_rows(sbs.load_results(tmp_path), tmp_path))
    lines = table.splitlines()
    assert len(lines) == 2 + 3 and all(line.count("|") == 11 for line in lines)
    assert "| 0.25 | 0.060 | 19.00 (test -ELBO, nats) |" in table
    assert "| 0.80 | not recorded | 19.30 (test -ELBO, nats) |" in table


def test_section_paths_read_the_titles(tmp_path):
    folder = tmp_path / "05_practice"
    folder.mkdir()
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# 5.2 A VAE in PyTorch · 使用PyTorch实现VAE\n", "more"]}
        ]
    }
    (folder / "05_02_vae.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (folder / "broken.ipynb").write_text("{", encoding="utf-8")
    assert sbs.section_paths(tmp_path) == {"5.2": folder / "05_02_vae.ipynb"}


def test_check_resources_finds_missing_sections_and_empty_entries():
    sections = {"5.2": "x.ipynb"}
    good = sbs.Resource("paper", "A", "Someone et al. 2020", "https://example.org", "why read it", ("5.2",))
    assert sbs.check_resources([good], sections) == []
    bad = [
        sbs.Resource("paper", "B", "X 2020", "https://example.org", "why", ()),
        sbs.Resource("paper", "C", "X 2020", "http://example.org", " ", ("9.9",)),
    ]
    problems = sbs.check_resources(bad, sections)
    assert problems == [
        "B: names no section of the book",
        "C: section 9.9 has no notebook",
        "C: no https link",
        "C: says nothing about what it is for",
    ]


def test_the_reading_list_is_dated_cites_the_papers_and_names_sections():
    assert re.fullmatch(r"[A-Z][a-z]+ 20\d\d", sbs.RESOURCES_DATE)
    papers = [r for r in sbs.RESOURCES if r.kind == "paper"]
    for who in (
        "Goodfellow et al. 2014",
        "Kingma and Welling 2014",
        "Vaswani et al. 2017",
        "van den Oord et al. 2016",
        "Radford et al. 2019",
        "Ho et al. 2020",
        "Kaplan et al. 2020",
        "Hoffmann et al. 2022",
        "Hu et al. 2021",
    ):
        assert any(r.who == who for r in papers), who
    assert all(r.sections and r.what_for and r.url.startswith("https://") for r in sbs.RESOURCES)
    assert {r.kind for r in sbs.RESOURCES} == {"paper", "book or course", "documentation"}


def test_resources_markdown_links_sections_relative_to_the_notebook(tmp_path):
    sections = {"5.2": tmp_path / "chapters" / "05_practice" / "05_02_vae.ipynb"}
    entry = sbs.Resource(
        "paper", "A", "Someone et al. 2020", "https://example.org", "why read it", ("5.2", "7.9")
    )
    text = sbs.resources_markdown([entry], sections, relative_to=tmp_path / "chapters" / "07_tools")
    assert (
        "[A](https://example.org), Someone et al. 2020 — why read it. Extends "
        "[5.2](../05_practice/05_02_vae.ipynb), 7.9." in text
    )
    assert text.startswith("**Papers**")
