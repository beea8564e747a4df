"""Section 7.2: the PyTorch pieces a practitioner meets, on Section 5.2's VAE.

    SoftBinarizedDigits   a ``Dataset``: grey levels (N, H, W) -> binary images (H, W), binarized
                          afresh every epoch (5.2's ``soft`` augmentation), seeded per image
    make_loader           a ``DataLoader`` that shuffles with its own seeded ``torch.Generator``
    train_step            one optimiser step on the negative ELBO (nats per image), optionally
                          marked with ``torch.profiler.record_function`` for the profiler
    compare_compile       eager against ``torch.compile``: the same losses, milliseconds per step,
                          or, where compiling fails, the reason in words (never a crash)
    profile_steps         ``torch.profiler``'s operator table of a few training steps
    save_state, load_vae  ``state_dict`` files (``torch.save``) and safetensors files, reloaded
                          into a ``VAE`` (the model's config travels with the weights)

PyTorch only (and safetensors). Kingma & Welling 2014 for the VAE; Ansel et al. 2024
(PyTorch 2: TorchDynamo and TorchInductor) for ``torch.compile``.
"""

from __future__ import annotations

import copy
import json
import math
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from book_utils.notebook import filtered_stderr
from book_utils.vae.loss import kl_divergence, reconstruction_nll
from book_utils.vae.model import VAE

# ------------------------------------------------------------------------------------------- data

class SoftBinarizedDigits(Dataset):
    """Grey levels 0..max_value (N, H, W) -> one binary image (H, W) float32 per index.

    Pixel d is on with probability sigmoid((grey_d - c) / softness), c halfway between the
    protocol's last "off" and first "on" grey level (5.2's ``soft`` binarization). Every image
    draws its pixels from its own generator seeded by (seed, epoch, index), so the images do not
    depend on which process (``num_workers``) or in which order they are read; call
    :meth:`set_epoch` before each epoch for a fresh binarization (workers started after the call
    see it: the default, non-persistent workers are started for every epoch).
    """

    def __init__(self, grey: torch.Tensor, max_value: int, softness: float = 1.0, seed: int = 0):
        self.p_on = torch.sigmoid((torch.as_tensor(grey, dtype=torch.float32)
                                   - (math.ceil(max_value / 2) - 0.5)) / softness)
        self.seed, self.epoch = int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.p_on)

    def __getitem__(self, index: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed((self.seed << 40) + (self.epoch << 20) + int(index))
        return torch.bernoulli(self.p_on[index], generator=generator)


def make_loader(dataset: Dataset, batch_size: int = 64, seed: int = 0, num_workers: int = 0,
                **options) -> DataLoader:
    """Shuffled batches (B, H, W) of ``dataset``: the shuffling order comes from a
    ``torch.Generator`` seeded with ``seed`` (drawn in the main process, whatever ``num_workers``)."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers,
                      generator=torch.Generator().manual_seed(seed), **options)


def loader_seconds(loader: DataLoader, epochs: int = 3, step=None) -> list[float]:
    """Wall seconds of each of ``epochs`` passes over ``loader`` (worker start-up included);
    ``step(batch)``, if given, is called on every batch (a training step)."""
    seconds = []
    for epoch in range(epochs):
        if hasattr(loader.dataset, "set_epoch"):
            loader.dataset.set_epoch(epoch)
        start = time.perf_counter()
        for batch in loader:
            if step is not None:
                step(batch)
        seconds.append(time.perf_counter() - start)
    return seconds


# --------------------------------------------------------------------------------------- training

def neg_elbo(model: VAE, x: torch.Tensor, eps: torch.Tensor | None = None, beta: float = 1.0) -> torch.Tensor:
    """Reconstruction + beta * KL, nats per image (batch mean); x (B, H, W) binary.

    ``eps`` (B, L): the reparameterization noise, given so that two runs can be compared exactly;
    drawn with ``torch.randn`` when None.
    """
    mu, logvar = model.encode(x)
    eps = torch.randn_like(mu) if eps is None else eps
    logits = model.decode(mu + torch.exp(0.5 * logvar) * eps)
    return (reconstruction_nll(logits, x) + beta * kl_divergence(mu, logvar)).mean()


def train_step(model: VAE, optimizer: torch.optim.Optimizer, x: torch.Tensor, eps: torch.Tensor | None = None,
               loss_fn=neg_elbo, annotate: bool = False) -> float:
    """One step: forward (``loss_fn``), backward, optimiser update; returns the loss (nats per image).
    With ``annotate`` the three phases are marked for ``torch.profiler`` ("forward", "backward",
    "optimizer")."""
    def phase(name):
        return torch.profiler.record_function(name) if annotate else _Nothing()

    model.train()
    with phase("forward"):
        loss = loss_fn(model, x, eps)
    with phase("backward"):
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
    with phase("optimizer"):
        optimizer.step()
    return loss.item()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -------------------------------------------------------------------------------- torch.compile

@dataclass
class CompileResult:
    """Eager vs compiled training steps. Times in CPU milliseconds per step (median over rounds);
    ``compiled`` False means compiling failed and ``reason`` says why (the other fields are None)."""

    compiled: bool
    reason: str
    eager_ms: float
    compiled_ms: float | None = None
    compile_s: float | None = None         # wall seconds of the first compiled step (tracing + codegen)
    max_loss_diff: float | None = None     # largest |eager loss - compiled loss| over the compared steps

    @property
    def speedup(self) -> float | None:
        return None if self.compiled_ms is None else self.eager_ms / self.compiled_ms


def explain_compile_error(error: BaseException) -> str:
    """A reader's explanation of why ``torch.compile`` failed, from the exception it raised."""
    text = f"{type(error).__name__}: {error}"
    lower = text.lower()
    if any(s in lower for s in ("compiler", "gcc", "g++", "clang", "cxx", "no such file or directory: 'cc'")):
        why = ("its default backend, Inductor, writes C++ for the CPU and needs a working C++ compiler "
               "(g++ or clang++) and Python's development headers; install them (e.g. apt-get install g++ "
               "python3-dev) or pass backend='aot_eager', which needs none but does not speed up")
    elif "python.h" in lower:
        why = "Inductor's generated code needs Python's development headers (python3-dev)"
    else:
        why = "the compiler stack (TorchDynamo tracing, then the backend) stopped with the error below"
    first_line = text.splitlines()[0][:300]
    return f"torch.compile could not compile here: {why}. The eager model is unaffected. ({first_line})"


def _ms_per_step(fn, steps: int) -> float:
    """CPU milliseconds of this process per call of ``fn`` (other programs' load does not count)."""
    start = time.process_time()
    for _ in range(steps):
        fn()
    return 1000 * (time.process_time() - start) / steps


def compare_compile(model: VAE, x: torch.Tensor, steps: int = 50, rounds: int = 5, backend: str = "inductor",
                    mode: str | None = None, seed: int = 0) -> CompileResult:
    """Train two identical copies of ``model`` (Adam, lr 1e-3) on batch ``x`` (B, H, W): one eager,
    one with ``torch.compile(neg_elbo, backend=backend, mode=mode)`` (forward and backward compiled).

    First the two take ``steps`` steps from the same weights with the same noise, and the largest
    difference of their losses is kept (rounding only, if compiling is correct). Then the CPU time
    per step (this process's, so a shared machine's other work does not count; set the threads with
    ``torch.set_num_threads``) is measured in ``rounds`` alternating rounds of ``steps`` steps each
    (medians). A failing compile returns ``compiled=False`` and the reason instead of raising.
    """
    eager_model, compiled_model = copy.deepcopy(model), copy.deepcopy(model)
    eager_opt = torch.optim.Adam(eager_model.parameters(), lr=1e-3)
    compiled_opt = torch.optim.Adam(compiled_model.parameters(), lr=1e-3)
    noise = torch.randn(steps, len(x), model.latent_dim, generator=torch.Generator().manual_seed(seed))
    torch._dynamo.reset()                           # a fresh compile, so compile_s is its whole cost
    compiled_loss = torch.compile(neg_elbo, backend=backend, mode=mode)
    start = time.perf_counter()
    try:
        first = train_step(compiled_model, compiled_opt, x, noise[0], loss_fn=compiled_loss)
    except Exception as error:                      # noqa: BLE001 - any failure is reported, not raised
        eager_ms = statistics.median(_ms_per_step(lambda: train_step(eager_model, eager_opt, x), steps)
                                     for _ in range(rounds))
        return CompileResult(False, explain_compile_error(error), eager_ms)
    compile_s = time.perf_counter() - start
    diffs = [abs(first - train_step(eager_model, eager_opt, x, noise[0]))]
    for eps in noise[1:]:
        diffs.append(abs(train_step(eager_model, eager_opt, x, eps)
                         - train_step(compiled_model, compiled_opt, x, eps, loss_fn=compiled_loss)))
    eager, compiled = [], []
    for _ in range(rounds):
        eager.append(_ms_per_step(lambda: train_step(eager_model, eager_opt, x), steps))
        compiled.append(_ms_per_step(
            lambda: train_step(compiled_model, compiled_opt, x, loss_fn=compiled_loss), steps))
    return CompileResult(True, f"compiled with backend={backend!r}, mode={mode!r}", statistics.median(eager),
                         statistics.median(compiled), compile_s, max(diffs))


# ------------------------------------------------------------------------------------- profiler

PHASES = ("forward", "backward", "optimizer")
#: the profiler's own start and stop lines (written by its C++ side to the process's stderr)
PROFILER_NOISE = re.compile(r"^USDT:.*profiler_(start|stop)|ActivityProfilerHandler\.cpp")


def profile_steps(model: VAE, optimizer: torch.optim.Optimizer, x: torch.Tensor, steps: int = 20,
                  warmup: int = 3):
    """Run ``steps`` annotated training steps under ``torch.profiler`` (CPU); returns the profile.

    ``warmup`` unprofiled steps first (the first steps allocate memory and pick kernels).
    Read it with :func:`top_ops` and :func:`phase_ms`, or ``prof.key_averages().table(...)``.
    """
    from torch.profiler import ProfilerActivity, profile

    for _ in range(warmup):
        train_step(model, optimizer, x)
    with filtered_stderr(PROFILER_NOISE), profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            train_step(model, optimizer, x, annotate=True)
    return prof


def top_ops(prof, n: int = 10) -> list[dict]:
    """The ``n`` operators with the most self CPU time (time inside the op, not in ops it calls):
    name, calls, self CPU milliseconds (total over the profiled steps) and share of all self time."""
    events = [e for e in prof.key_averages() if e.key not in PHASES]
    total = sum(e.self_cpu_time_total for e in events)
    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)
    return [{"op": e.key, "calls": e.count, "self_cpu_ms": e.self_cpu_time_total / 1000,
             "share": e.self_cpu_time_total / total} for e in events[:n]]


def phase_ms(prof) -> dict[str, float]:
    """Total CPU milliseconds inside each annotated phase (forward, backward, optimizer)."""
    return {e.key: e.cpu_time_total / 1000 for e in prof.key_averages() if e.key in PHASES}


# -------------------------------------------------------------------------------- saving, loading

def save_state(model: VAE, path) -> Path:
    """Write ``model``'s weights: ``.pt`` -> ``torch.save({"config", "state_dict"})`` (a pickle in a
    zip file); ``.safetensors`` -> the raw tensors with a JSON header, the config as metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(model.state_dict(), str(path), metadata={"config": json.dumps(model.config)})
    elif path.suffix == ".pt":
        torch.save({"config": model.config, "state_dict": model.state_dict()}, path)
    else:
        raise ValueError(f"save to a .pt or a .safetensors file, not {path.name!r}")
    return path


def load_vae(path) -> VAE:
    """A ``VAE`` rebuilt from a file :func:`save_state` wrote, in eval mode."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(str(path), framework="pt") as f:
            config = json.loads(f.metadata()["config"])
        state = load_file(str(path))
    else:
        saved = torch.load(path, map_location="cpu", weights_only=True)   # tensors and plain data only
        config, state = saved["config"], saved["state_dict"]
    model = VAE(tuple(config["image_shape"]), config["latent_dim"], tuple(config["hidden"]),
                config["dropout"])
    model.load_state_dict(state)
    return model.eval()


@torch.inference_mode()
def deterministic_outputs(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """The encoder's (mu, logvar) and the decoder's logits at mu, concatenated: (B, 2L + D), no noise."""
    model.eval()
    mu, logvar = model.encode(x)
    return torch.cat([mu, logvar, model.decode(mu)], dim=1)
