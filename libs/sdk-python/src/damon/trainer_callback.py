"""A Hugging Face ``transformers`` TrainerCallback that sends what the Trainer logs."""

from __future__ import annotations

from typing import Any, Dict, Optional

from transformers import TrainerCallback

from .client import Client
from .training_signals import TrainingSignals

#: Log keys of transformers' Trainer and of TRL's trainers (PPO, GRPO, RLOO, online DPO), first found wins.
REWARD_KEYS = ("reward", "rewards/mean", "env/reward_mean", "objective/scores", "objective/rlhf_reward", "rewards/chosen")
KL_KEYS = ("kl", "objective/kl", "policy/approxkl_avg")


class DamonCallback(TrainerCallback):
    """``trainer.add_callback(DamonCallback(run_id))``: loss, grad norm and (TRL) reward and KL per logging step."""

    def __init__(self, run_id: str, source: Optional[str] = None, client: Optional[Client] = None) -> None:
        self.signals = TrainingSignals(run_id, source=source, client=client)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Dict[str, float]] = None, **kwargs: Any) -> None:
        if not logs:
            return
        self.signals.log(
            state.global_step,
            loss=logs.get("loss"),
            grad_norm=logs.get("grad_norm"),
            reward=_first(logs, REWARD_KEYS),
            kl=_first(logs, KL_KEYS),
        )


def _first(logs: Dict[str, float], keys: tuple) -> Optional[float]:
    return next((float(logs[k]) for k in keys if logs.get(k) is not None), None)
