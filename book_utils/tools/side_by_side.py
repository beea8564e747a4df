"""Section 7.5: the chapter's tools side by side (read from the benchmarks' JSON files), and the
reading list, with a check that every resource points at sections of the book that exist.

    load_results       the three benchmark files of book_utils/bench/results (None where missing)
    tool_rows          one row per tool and task: code lines, seconds per epoch, held-out figure,
                       file formats, what the tool is best at, when and where it was measured
    markdown_table     rows -> a Markdown table
    RESOURCES          the curated reading list (papers, courses, documentation)
    section_paths      "5.2" -> chapters/05_practice/05_02_vae_pytorch.ipynb, read from the titles
    check_resources    what is wrong with a reading list (no section named, a section with no notebook)
    resources_markdown the reading list as Markdown, each entry linked to the sections it extends

Framework-free: JSON, the standard library and the notebooks' first lines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "book_utils" / "bench" / "results"
BENCHES = {"keras": "tools_keras.json", "torch": "tools_torch.json", "hf": "tools_hf.json"}

#: What each tool is best at: the book's judgement, from writing the same models in each.
BEST_AT = {
    "keras_tf": "short code for standard models: fit, callbacks, tf.data, one-call export for serving",
    "keras_torch": "the same Keras code on another backend (a migration path; PyTorch's ecosystem below)",
    "torch": "research code you read top to bottom; full control of the loop; the largest model ecosystem",
    "book_transformer": "a model small enough to understand line by line (the book's teaching code)",
    "hf_gpt2": "standard architectures, tokenizers and training loops ready-made; sharing through the Hub",
}


def load_results(folder: Path | str = RESULTS) -> dict[str, dict | None]:
    """{"keras", "torch", "hf"} -> the parsed JSON of that benchmark, or None if it is not there."""
    out = {}
    for key, name in BENCHES.items():
        path = Path(folder) / name
        out[key] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return out


def committed_date(path: Path | str) -> str | None:
    """The date (YYYY-MM-DD) of the last commit of ``path``, or None outside a git checkout."""
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%cs", "--", str(path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def measured(result: dict, name: str, folder: Path | str = RESULTS) -> str:
    """When and where a benchmark ran, as its JSON records it (date, CPU, threads, load)."""
    machine = result.get("machine", {})
    date = machine.get("date") or result.get("date")
    if not date:
        committed = committed_date(Path(folder) / name)
        date = f"committed {committed}" if committed else "date not recorded"
    cpu = machine.get("cpu") or result.get("cpu") or "CPU not recorded"
    cores = machine.get("logical_cores") or result.get("cpu_count") or result.get("cpu_threads")
    threads = result.get("threads") or result.get("torch_threads")
    parts = [date, cpu + (f", {cores} cores" if cores else "")]
    if threads:
        parts.append(f"{threads} PyTorch thread{'s' if threads > 1 else ''}")
    if machine.get("load_average_1min") is not None:
        parts.append(f"load average {machine['load_average_1min']:.1f}")
    elif result.get("load_average_1_5_15_min_at_end"):
        parts.append(f"load average {result['load_average_1_5_15_min_at_end'][0]:.1f} at the end")
    return "; ".join(parts)


def _formats(value) -> str:
    if isinstance(value, str):
        return value
    return ", ".join(v.split(" (")[0] for v in value) if value else "?"


def tool_rows(results: dict[str, dict | None], folder: Path | str = RESULTS) -> list[dict]:
    """One row per tool and task from whatever benchmarks exist (missing ones are skipped).

    Keys: tool, section, task, lines, seconds_per_epoch (wall clock), cpu_seconds_per_epoch (the
    process's CPU time, None where not recorded), heldout (value), heldout_unit, formats, best_at,
    measured. The VAE rows compare test -ELBO (nats per image); the language-model rows
    held-out cross-entropy (nats per token).
    """
    rows = []
    keras, torch_, hf = results.get("keras"), results.get("torch"), results.get("hf")
    if keras:
        task = f"VAE, {keras.get('dataset', 'digits')}, {keras['epochs']} epochs"
        for backend, key, label in (("tensorflow", "keras_tf", "Keras 3 on TensorFlow"),
                                    ("torch", "keras_torch", "Keras 3 on the PyTorch backend")):
            if backend in keras.get("seconds_per_epoch", {}):
                rows.append({"tool": label, "section": "7.1", "task": task,
                             "lines": keras.get("model_and_training_lines"),
                             "seconds_per_epoch": keras["seconds_per_epoch"][backend],
                             "cpu_seconds_per_epoch": keras.get("cpu_seconds_per_epoch", {}).get(backend),
                             "heldout": keras["test_neg_elbo"][backend], "heldout_unit": "test -ELBO, nats",
                             "formats": _formats(keras.get("file_formats")), "best_at": BEST_AT[key],
                             "measured": measured(keras, BENCHES["keras"], folder)})
    if torch_:
        rows.append({"tool": "PyTorch, the book's loop", "section": "7.2",
                     "task": f"VAE, {torch_['dataset']}, {torch_['epochs']} epochs",
                     "lines": torch_["model_and_training_lines"],
                     "seconds_per_epoch": torch_["seconds_per_epoch"],
                     "cpu_seconds_per_epoch": torch_.get("cpu_seconds_per_epoch"),
                     "heldout": torch_["test_neg_elbo"], "heldout_unit": "test -ELBO, nats",
                     "formats": _formats(torch_.get("file_formats")), "best_at": BEST_AT["torch"],
                     "measured": measured(torch_, BENCHES["torch"], folder)})
    if hf:
        steps = hf.get("recipe", {}).get("steps")
        task = "language model, CPython docs" + (f", {steps:,} steps" if steps else "")
        for key, label, best in (("book_transformer_pytorch_loop", "the book's Transformer, PyTorch loop",
                                  "book_transformer"),
                                 ("hf_gpt2_trainer", "Hugging Face GPT-2, Trainer", "hf_gpt2")):
            entry = hf.get("tools", {}).get(key)
            if entry is None:
                continue
            lines = (entry.get("lines_model") or 0) + (entry.get("lines_training") or 0) or None
            formats = entry.get("file_formats", "")
            cpu_1000, steps_per_epoch = entry.get("cpu_s_per_1000_steps"), hf.get("steps_per_epoch")
            cpu = cpu_1000 * steps_per_epoch / 1000 if cpu_1000 and steps_per_epoch else None
            short = ("config.json, model.safetensors, tokenizer.json" if "safetensors" in formats
                     else ".pt (torch.save state_dict)" if "torch.save" in formats else formats)
            rows.append({"tool": label, "section": "7.3", "task": task, "lines": lines,
                         "seconds_per_epoch": entry.get("wall_s_per_epoch"),
                         "cpu_seconds_per_epoch": cpu,
                         "heldout": entry.get("heldout_nats_per_token"),
                         "heldout_unit": "held-out loss, nats/token", "formats": short,
                         "best_at": BEST_AT[best], "measured": measured(hf, BENCHES["hf"], folder)})
    return rows


def markdown_table(rows: list[dict]) -> str:
    """The side-by-side table in Markdown (numbers at the precision the chapter discusses)."""
    head = ("| tool | section | task | lines of model + training code | seconds per epoch (wall) "
            "| CPU seconds per epoch | held-out result | files written | best at | measured |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    body = []
    for r in rows:
        seconds = "?" if r["seconds_per_epoch"] is None else f"{r['seconds_per_epoch']:.2f}"
        cpu = r.get("cpu_seconds_per_epoch")
        cpu = "not recorded" if cpu is None else f"{cpu:.3f}"
        heldout = "?" if r["heldout"] is None else f"{r['heldout']:.2f} ({r['heldout_unit']})"
        body.append(f"| {r['tool']} | {r['section']} | {r['task']} | {r['lines'] or '?'} | {seconds} | {cpu} "
                    f"| {heldout} | {r['formats']} | {r['best_at']} | {r['measured']} |")
    return "\n".join([head, *body])


# ---------------------------------------------------------------------------------- reading list

@dataclass(frozen=True)
class Resource:
    """One entry of the reading list: ``sections`` are the book's section numbers it extends."""

    kind: str            # "paper", "book or course", "documentation"
    title: str
    who: str             # authors and year for papers; the publisher or project otherwise
    url: str
    what_for: str        # one line, the book's own words
    sections: tuple[str, ...]


RESOURCES_DATE = "November 2026"
RESOURCES = (
    Resource("paper", "Generative Adversarial Nets",
             "Goodfellow et al. 2014", "https://arxiv.org/abs/1406.2661",
             "the original GAN: the minimax game and its optimal discriminator",
             ("3.1", "4.1", "5.1")),
    Resource("paper", "Unsupervised Representation Learning with Deep Convolutional GANs",
             "Radford et al. 2016", "https://arxiv.org/abs/1511.06434",
             "the architecture rules that first made image GANs train reliably",
             ("5.1",)),
    Resource("paper", "Auto-Encoding Variational Bayes",
             "Kingma and Welling 2014", "https://arxiv.org/abs/1312.6114",
             "the VAE: the reparameterization trick and the ELBO as a training objective",
             ("3.2", "4.2", "5.2")),
    Resource("paper", "Importance Weighted Autoencoders",
             "Burda et al. 2016", "https://arxiv.org/abs/1509.00519",
             "the tighter bound the book uses to estimate a VAE's test log-likelihood",
             ("4.2", "5.2")),
    Resource("paper", "MADE: Masked Autoencoder for Distribution Estimation",
             "Germain et al. 2015", "https://arxiv.org/abs/1502.03509",
             "an exact-likelihood autoregressive model in one masked network pass",
             ("3.3", "6.3")),
    Resource("paper", "Pixel Recurrent Neural Networks",
             "van den Oord et al. 2016", "https://arxiv.org/abs/1601.06759",
             "autoregressive image models, pixel by pixel, with exact likelihoods",
             ("3.3", "4.3")),
    Resource("paper", "Attention Is All You Need",
             "Vaswani et al. 2017", "https://arxiv.org/abs/1706.03762",
             "the Transformer: self-attention in place of recurrence",
             ("2.3", "3.3", "6.2")),
    Resource("paper", "Language Models are Unsupervised Multitask Learners (GPT-2)",
             "Radford et al. 2019",
             "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf",
             "a decoder-only Transformer trained on web text; the GPT-2 architecture of transformers",
             ("2.3", "6.2", "7.3")),
    Resource("paper", "The Curious Case of Neural Text Degeneration",
             "Holtzman et al. 2020", "https://arxiv.org/abs/1904.09751",
             "why greedy decoding repeats itself, and nucleus (top-p) sampling",
             ("6.2",)),
    Resource("paper", "Denoising Diffusion Probabilistic Models",
             "Ho et al. 2020", "https://arxiv.org/abs/2006.11239",
             "diffusion models, behind most image generators since; a VAE-like bound over many steps",
             ("2.1", "6.1")),
    Resource("paper", "Scaling Laws for Neural Language Models",
             "Kaplan et al. 2020", "https://arxiv.org/abs/2001.08361",
             "loss falls as a power law in parameters, data and compute",
             ("1.2",)),
    Resource("paper", "Training Compute-Optimal Large Language Models",
             "Hoffmann et al. 2022", "https://arxiv.org/abs/2203.15556",
             "the Chinchilla rule: grow the data with the parameters for a fixed compute budget",
             ("1.2",)),
    Resource("paper", "LoRA: Low-Rank Adaptation of Large Language Models",
             "Hu et al. 2021", "https://arxiv.org/abs/2106.09685",
             "fine-tuning a large model by training small low-rank updates of its weights",
             ("6.2", "7.3")),
    Resource("paper", "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium",
             "Heusel et al. 2017", "https://arxiv.org/abs/1706.08500",
             "the Frechet distance (FID) used to judge samples",
             ("5.3",)),
    Resource("paper", "PyTorch 2: Faster Machine Learning Through Dynamic Python Bytecode Transformation "
                      "and Graph Compilation",
             "Ansel et al. 2024", "https://doi.org/10.1145/3620665.3640366",
             "how torch.compile captures and compiles Python code (TorchDynamo, TorchInductor)",
             ("7.2",)),
    Resource("book or course", "Deep Learning",
             "Goodfellow, Bengio and Courville 2016", "https://www.deeplearningbook.org",
             "the standard textbook; its part III covers deep generative models",
             ("2.2", "4.1", "4.2")),
    Resource("book or course", "Dive into Deep Learning",
             "Zhang, Lipton, Li and Smola", "https://d2l.ai",
             "an executable textbook with the same code in PyTorch, TensorFlow and JAX",
             ("2.2", "7.1", "7.2")),
    Resource("book or course", "Deep Generative Models (CS236)",
             "Stanford University", "https://deepgenerativemodels.github.io",
             "lecture notes on autoregressive models, VAEs, flows and GANs",
             ("2.1", "4.1", "4.2", "4.3")),
    Resource("book or course", "Probabilistic Machine Learning: Advanced Topics",
             "Murphy 2023", "https://probml.github.io/pml-book/book2.html",
             "the probabilistic view of every generative family",
             ("4.2", "4.3")),
    Resource("book or course", "Hugging Face LLM Course",
             "Hugging Face", "https://huggingface.co/learn",
             "tokenizers, transformers, datasets and fine-tuning, hands on",
             ("2.3", "7.3")),
    Resource("documentation", "PyTorch tutorials and recipes",
             "PyTorch", "https://pytorch.org/tutorials/",
             "DataLoader, torch.compile, the profiler and saving models, each with a worked recipe",
             ("5.2", "7.2")),
    Resource("documentation", "Keras developer guides",
             "Keras", "https://keras.io/guides/",
             "custom train_step, callbacks, multi-backend Keras 3 and saving",
             ("5.1", "7.1")),
    Resource("documentation", "TensorFlow guide: better performance with tf.data",
             "TensorFlow", "https://www.tensorflow.org/guide/data_performance",
             "input pipelines: cache, prefetch, parallel map",
             ("7.1",)),
    Resource("documentation", "Transformers documentation",
             "Hugging Face", "https://huggingface.co/docs/transformers",
             "model classes, Trainer, pipelines and save_pretrained",
             ("6.2", "7.3")),
    Resource("documentation", "safetensors documentation",
             "Hugging Face", "https://huggingface.co/docs/safetensors",
             "the file format: header layout, lazy loading, why no code runs on load",
             ("7.2", "7.3")),
    Resource("documentation", "Distributed communication and torchrun",
             "PyTorch", "https://pytorch.org/docs/stable/distributed.html",
             "training one model on many processes and machines",
             ("7.4",)),
)


def section_paths(chapters: Path | str = ROOT / "chapters") -> dict[str, Path]:
    """{"5.2": path of its notebook, ...} from every notebook's title line ("# 5.2 ...")."""
    out = {}
    for path in sorted(Path(chapters).glob("*/*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            source = cells[0]["source"]
            first = (source if isinstance(source, str) else "".join(source)).splitlines()[0]
        except (OSError, ValueError, KeyError, IndexError):
            continue
        match = re.match(r"#\s+(\d+\.\d+)\s", first)
        if match:
            out[match.group(1)] = path
    return out


def check_resources(resources=RESOURCES, sections: dict[str, Path] | None = None) -> list[str]:
    """Problems with a reading list: an entry that names no section of the book, or names a
    section that has no notebook, or lacks a link or a line saying what it is for."""
    sections = section_paths() if sections is None else sections
    problems = []
    for r in resources:
        if not r.sections:
            problems.append(f"{r.title}: names no section of the book")
        problems += [f"{r.title}: section {s} has no notebook" for s in r.sections if s not in sections]
        if not r.url.startswith("https://"):
            problems.append(f"{r.title}: no https link")
        if not r.what_for.strip():
            problems.append(f"{r.title}: says nothing about what it is for")
    return problems


def resources_markdown(resources=RESOURCES, sections: dict[str, Path] | None = None,
                       relative_to: Path | str = ROOT / "chapters" / "07_tools") -> str:
    """The reading list as Markdown, grouped by kind; section links relative to ``relative_to``."""
    sections = section_paths() if sections is None else sections
    out = []
    for kind, heading in (("paper", "Papers"), ("book or course", "Books and courses"),
                          ("documentation", "Documentation")):
        out.append(f"**{heading}**\n")
        for r in (r for r in resources if r.kind == kind):
            links = ", ".join(f"[{s}]({os.path.relpath(sections[s], relative_to)})" if s in sections else s
                              for s in r.sections)
            out.append(f"- [{r.title}]({r.url}), {r.who} — {r.what_for}. Extends {links}.")
        out.append("")
    return "\n".join(out).strip()
