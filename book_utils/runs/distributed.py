"""Data-parallel training under ``torchrun``: PyTorch's DistributedDataParallel, not a home-made one.

    torchrun --nproc_per_node=2 -m book_utils train vae --dataset digits --out runs/vae-ddp

``torchrun`` starts one process per replica and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR`` and ``MASTER_PORT``; :func:`start` reads them and joins the process group (gloo for
tensors on the CPU, NCCL for tensors on a GPU). Data parallelism (Li et al. 2020, "PyTorch
Distributed: Experiences on Accelerating Data Parallel Training", VLDB):

* every rank holds the whole model and the same optimizer state, seeded alike;
* every rank draws the same seeded permutation of the epoch and takes its own contiguous slice of
  each global batch (``batch_size`` is the global batch; each rank gets ``batch_size / world_size``);
* after ``backward`` DDP all-reduces the gradients (their mean over ranks), so every replica takes
  the same optimizer step and the weights stay identical;
* only rank 0 writes the run directory; the others wait at a barrier.

This module imports torch; the lifecycle imports it only when ``WORLD_SIZE`` > 1.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass

import torch
import torch.distributed as dist

from book_utils.errors import ConfigError


def world_size_from_env() -> int:
    """``WORLD_SIZE`` as torchrun sets it (1 when not under torchrun)."""
    value = os.environ.get("WORLD_SIZE", "1")
    try:
        return max(1, int(value))
    except ValueError:
        raise ConfigError(f"WORLD_SIZE={value!r} is not a number; start the run with torchrun") from None


def per_rank_batch(batch_size: int, world_size: int) -> int:
    """Each rank's share of the global batch; a clear error when it does not divide evenly."""
    if batch_size % world_size:
        lower = batch_size - batch_size % world_size
        raise ConfigError(
            f"batch_size {batch_size} (the global batch) does not divide evenly among the {world_size} "
            f"processes of this run; choose a multiple of {world_size}, e.g. --batch-size "
            f"{lower or world_size} or {lower + world_size}")
    return batch_size // world_size


@dataclass(frozen=True)
class Distributed:
    """This process's place in a data-parallel run: ``rank`` of ``world_size`` (``local_rank`` on
    its machine), and the device its tensors live on."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0 writes the run directory."""
        return self.rank == 0

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's contiguous slice of a global batch (sizes differ by at most one; a slice may be
        empty when the batch is smaller than the world)."""
        return torch.tensor_split(batch, self.world_size)[self.rank]

    def wrap(self, module: torch.nn.Module) -> torch.nn.parallel.DistributedDataParallel:
        """``module`` in DistributedDataParallel: rank 0's weights are broadcast, and each backward
        all-reduces the gradients. The book's models hold only constant buffers (masks, position
        tables), so they are not re-broadcast at every forward."""
        on_gpu = next(module.parameters()).device.type == "cuda"
        return torch.nn.parallel.DistributedDataParallel(
            module, device_ids=[self.device.index] if on_gpu else None, broadcast_buffers=False)

    def all_sum(self, values: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``values`` over all ranks (a copy; float64 on the CPU)."""
        total = values.detach().to(self._comm_device(), torch.float64).clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total.cpu()

    def barrier(self) -> None:
        dist.barrier()

    def on_main(self, fn):
        """Run ``fn()`` on rank 0 only and hand its result to every rank; an error on rank 0 is raised
        on every rank (so no rank waits forever for a rank that gave up)."""
        payload = [None]
        if self.is_main:
            try:
                payload = [("ok", fn())]
            except Exception as err:  # noqa: BLE001 - re-raised on every rank below
                try:
                    pickle.dumps(err)
                    payload = [("error", err)]
                except Exception:  # noqa: BLE001 - an error that does not pickle travels as its text
                    payload = [("error", RuntimeError(f"{type(err).__name__}: {err}"))]
        dist.broadcast_object_list(payload, src=0)
        kind, value = payload[0]
        if kind == "error":
            raise value
        return value

    def _comm_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


def start(batch_size: int) -> tuple[Distributed, bool]:
    """Join the process group torchrun describes; returns (context, whether this call created it).

    The global ``batch_size`` is checked before anything starts. On a machine with GPUs each process
    uses ``cuda:LOCAL_RANK`` and the group uses NCCL for GPU tensors and gloo for CPU tensors.
    """
    world = world_size_from_env()
    per_rank_batch(batch_size, world)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(local_rank)
    created = not dist.is_initialized()
    if created:
        dist.init_process_group(backend="cpu:gloo,cuda:nccl" if cuda else "gloo")
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    return Distributed(dist.get_rank(), dist.get_world_size(), local_rank, device), created


def stop() -> None:
    """Leave the process group (what :func:`start` created)."""
    if dist.is_initialized():
        dist.destroy_process_group()


# --- a report of each replica, for checking a data-parallel run -------------------------------

def weights_digest(module: torch.nn.Module) -> str:
    """SHA-256 of a model's weights (every tensor of its state dict, in order, as bytes): equal digests
    mean bit-identical replicas."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def time_all_reduce(numel: int, repeats: int = 20) -> float:
    """Mean wall seconds of one all-reduce of ``numel`` float32 values (a model's gradient) in the
    current process group; 0.0 in a single process."""
    import time

    if not dist.is_initialized() or dist.get_world_size() == 1:
        return 0.0
    device = torch.device("cuda", torch.cuda.current_device()) if torch.cuda.is_available() else "cpu"
    grad = torch.ones(numel, device=device)
    dist.all_reduce(grad)                                      # the first call sets up the connections
    dist.barrier()
    start = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(grad)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def main(argv: list[str] | None = None) -> int:
    """``python -m book_utils.runs.distributed train vae ... --report DIR``: ``python -m book_utils train``
    (the same options, under torchrun or not) that also writes ``DIR/rank-R.json`` for every rank:
    each step's loss, seconds per epoch, the digest of the replica's weights and the time one
    all-reduce of its gradient takes. ``--kill-after-epoch N`` kills rank 0 (SIGKILL) once epoch N
    has trained, before its checkpoint: a crash to resume from."""
    import argparse
    import json
    import signal
    import time

    from book_utils import cli
    from book_utils.runs.files import save_json

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--report", required=True)
    extra.add_argument("--kill-after-epoch", type=int, default=None)
    mine, rest = extra.parse_known_args(argv)
    args = cli.build_parser().parse_args(rest)
    rank = int(os.environ.get("RANK", "0"))
    record = {"rank": rank, "world_size": world_size_from_env(), "epochs": [], "step_losses": [],
              "epoch_seconds": []}
    clock = [time.perf_counter()]

    def on_epoch_end(epoch, trainer, losses):
        record["epochs"].append(epoch)
        record["step_losses"].append(list(trainer.step_losses))
        record["epoch_seconds"].append(time.perf_counter() - clock[0])
        if mine.kill_after_epoch == epoch and rank == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        record["weights_sha256"] = weights_digest(trainer.model)
        record["parameters"] = sum(p.numel() for p in trainer.model.parameters())
        if epoch == trainer.config.epochs:
            record["all_reduce_seconds"] = time_all_reduce(record["parameters"])
        clock[0] = time.perf_counter()

    result = cli._train(args, on_epoch_end=on_epoch_end)
    os.makedirs(mine.report, exist_ok=True)
    save_json(os.path.join(mine.report, f"rank-{rank}.json"), record)
    if result is not None:
        print(json.dumps({k: result[k] for k in ("model", "epochs", "test_nll", "train_seconds")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
