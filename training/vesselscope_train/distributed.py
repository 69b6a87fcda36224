"""Data-parallel training under torchrun: gloo on CPUs, nccl on GPUs; a no-op otherwise.

`torchrun --nproc_per_node=N vesselscope-train vessel ...` sets RANK, WORLD_SIZE and
LOCAL_RANK; every process trains on its share of each epoch (DistributedSampler) and DDP averages
the gradients. Only rank 0 writes files and shows progress.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def start() -> Context:
    """Join the process group when launched by torchrun, else a single-process context."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    if world_size <= 1:
        return Context(device=torch.device("cuda" if cuda else "cpu"))
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    return Context(dist.get_rank(), dist.get_world_size(), device)


def all_true(context: Context, flag: bool) -> bool:
    """True when `flag` is true on every process: all of them take the same branch after it."""
    if not context.distributed:
        return flag
    value = torch.tensor([1 if flag else 0], dtype=torch.int32, device=context.device)
    dist.all_reduce(value, op=dist.ReduceOp.MIN)
    return bool(value.item())


def barrier(context: Context) -> None:
    if context.distributed:
        dist.barrier()


def stop(context: Context) -> None:
    if context.distributed and dist.is_initialized():
        dist.destroy_process_group()
