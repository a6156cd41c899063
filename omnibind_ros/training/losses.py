"""The OmniBind losses (docs: shared method, Eq. 2-9), batched and numerically stable.

Embeddings are (B, D) rows, L2-normalised by the encoders; ``text_bank`` is the (C, D) matrix
of label text embeddings t_1..t_C and ``labels`` the (B,) label indices. Teacher inputs
(image, text) are detached everywhere: the frozen teachers only ever provide targets, so
gradients reach the student (stage I) or the fusion module (stage II) alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F

from omnibind_ros.core.errors import ConfigError


class LossTerms(NamedTuple):
    """The loss to minimise and its weighted-in parts (unweighted values), for logging."""

    total: torch.Tensor
    parts: dict[str, torch.Tensor]


def _check_rows(name: str, embeddings: torch.Tensor, rows: int | None = None) -> None:
    if embeddings.ndim != 2 or (rows is not None and embeddings.shape[0] != rows):
        want = f"({rows}, D)" if rows is not None else "(N, D)"
        raise ValueError(f"{name} must be {want}, got shape {tuple(embeddings.shape)}")


def _check_labels(labels: torch.Tensor, batch: int, classes: int) -> None:
    if labels.shape != (batch,):
        raise ValueError(f"labels must have shape ({batch},), got {tuple(labels.shape)}")
    if batch and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must lie in [0, {classes}), got {labels.min()}..{labels.max()}")


def text_supervised_contrastive(
    e_s: torch.Tensor, text_bank: torch.Tensor, labels: torch.Tensor, tau: float
) -> torch.Tensor:
    """Eq. 2: cross-entropy of the student's similarities to all C label texts, over tau."""
    _check_rows("e_s", e_s)
    _check_rows("text_bank", text_bank)
    _check_labels(labels, e_s.shape[0], text_bank.shape[0])
    return F.cross_entropy(e_s @ text_bank.detach().T / tau, labels)


def batch_infonce(e_s: torch.Tensor, e_t: torch.Tensor, tau: float) -> torch.Tensor:
    """Eq. 2's alternative: InfoNCE of student row b against the batch's teacher rows.

    Student-to-teacher only: with text as teacher, samples of one label share the same e_t,
    and the reverse direction would push a student away from its own label's text.
    """
    _check_rows("e_s", e_s)
    _check_rows("e_t", e_t, e_s.shape[0])
    logits = e_s @ e_t.detach().T / tau
    return F.cross_entropy(logits, torch.arange(len(e_s), device=e_s.device))


def _row_kl(target_logits: torch.Tensor, student_logits: torch.Tensor) -> torch.Tensor:
    """Mean over rows of KL(softmax(target) ‖ softmax(student)), from logits via log_softmax."""
    return F.kl_div(
        F.log_softmax(student_logits, dim=-1),
        F.log_softmax(target_logits.detach(), dim=-1),
        reduction="batchmean",
        log_target=True,
    )


def cross_modal_kd(
    e_s: torch.Tensor, e_i: torch.Tensor, e_t: torch.Tensor, tau: float
) -> torch.Tensor:
    """Eq. 3-4: KL(P_IT ‖ softmax(e_s e_T^T / tau)), P_IT = softmax(e_I e_T^T / tau), row-wise."""
    _check_rows("e_s", e_s)
    _check_rows("e_i", e_i, e_s.shape[0])
    _check_rows("e_t", e_t, e_s.shape[0])
    e_t = e_t.detach()
    return _row_kl(e_i.detach() @ e_t.T / tau, e_s @ e_t.T / tau)


def intra_modal_kd(
    e_s: torch.Tensor, e_i: torch.Tensor, e_t: torch.Tensor, tau: float
) -> torch.Tensor:
    """Eq. 5-6: KL(P_self ‖ softmax(e_s e_s^T / tau)), row-wise.

    P_self = softmax(S / tau) with S = (e_I e_I^T + e_T e_T^T) / 2, the teachers' averaged
    view of which batch samples resemble each other.
    """
    _check_rows("e_s", e_s)
    _check_rows("e_i", e_i, e_s.shape[0])
    _check_rows("e_t", e_t, e_s.shape[0])
    e_i, e_t = e_i.detach(), e_t.detach()
    teacher_self = (e_i @ e_i.T + e_t @ e_t.T) / 2
    return _row_kl(teacher_self / tau, e_s @ e_s.T / tau)


@dataclass(frozen=True)
class CADLoss:
    """Eq. 7: L_CAD = L_con + λ_cross L_cross + λ_self L_self, each term switchable for ablations.

    ``contrastive`` picks L_con: "text" (Eq. 2 over all labels) or "infonce" (batch-wise
    against the samples' label texts).
    """

    use_con: bool = True
    use_cross: bool = True
    use_self: bool = True
    contrastive: Literal["text", "infonce"] = "text"
    lambda_cross: float = 1.0
    lambda_self: float = 1.0
    tau: float = 0.07

    def __post_init__(self) -> None:
        if self.contrastive not in ("text", "infonce"):
            raise ConfigError(
                f"CAD contrastive must be 'text' or 'infonce', not {self.contrastive!r}"
            )
        if not self.tau > 0:
            raise ConfigError(f"CAD temperature tau must be positive, got {self.tau}")
        if self.lambda_cross < 0 or self.lambda_self < 0:
            raise ConfigError("CAD weights lambda_cross and lambda_self must not be negative")
        if not self.terms:
            raise ConfigError("CAD needs at least one of use_con, use_cross, use_self")

    @property
    def terms(self) -> tuple[str, ...]:
        """Names of the switched-on terms: "con", "cross", "self"."""
        switches = (("con", self.use_con), ("cross", self.use_cross), ("self", self.use_self))
        return tuple(name for name, used in switches if used)

    def __call__(
        self,
        e_s: torch.Tensor,
        labels: torch.Tensor,
        text_bank: torch.Tensor,
        e_i: torch.Tensor | None = None,
    ) -> LossTerms:
        """Student embeddings ``e_s`` of a batch with ``labels``; ``e_i`` the paired images.

        The text teacher's embeddings of the batch are the label rows of ``text_bank``.
        ``e_i`` may be omitted only when neither distillation term is switched on.
        """
        _check_rows("e_s", e_s)
        _check_rows("text_bank", text_bank)
        _check_labels(labels, e_s.shape[0], text_bank.shape[0])
        e_t = text_bank[labels]
        terms = self.terms
        if e_i is None and ("cross" in terms or "self" in terms):
            raise ValueError("L_cross and L_self need the paired image embeddings e_i")
        parts: dict[str, torch.Tensor] = {}
        if "con" in terms:
            parts["con"] = (
                text_supervised_contrastive(e_s, text_bank, labels, self.tau)
                if self.contrastive == "text"
                else batch_infonce(e_s, e_t, self.tau)
            )
        if "cross" in terms:
            parts["cross"] = cross_modal_kd(e_s, e_i, e_t, self.tau)
        if "self" in terms:
            parts["self"] = intra_modal_kd(e_s, e_i, e_t, self.tau)
        weights = {"con": 1.0, "cross": self.lambda_cross, "self": self.lambda_self}
        total = sum(weights[name] * value for name, value in parts.items())
        return LossTerms(total, parts)


@torch.no_grad()
def hard_negative_mask(
    embeddings: torch.Tensor,
    text_bank: torch.Tensor,
    labels: torch.Tensor,
    present: torch.Tensor | None = None,
    rng: torch.Generator | None = None,
) -> torch.Tensor:
    """Stage II negatives: (B, C) bool, True at labels some present modality wrongly predicts.

    ``embeddings`` is (B, K, D), one row per modality slot; ``present`` (B, K) bool marks the
    slots in use (default: all). A sample whose modalities are all right gets one random wrong
    label instead, drawn with ``rng`` (a CPU generator; None uses torch's global one).
    """
    if embeddings.ndim != 3:
        raise ValueError(f"embeddings must be (B, K, D), got shape {tuple(embeddings.shape)}")
    batch, slots, _ = embeddings.shape
    classes = text_bank.shape[0]
    _check_labels(labels, batch, classes)
    if classes < 2:
        raise ValueError("negative labels need at least 2 labels in the text bank")
    device = embeddings.device
    if present is None:
        present = torch.ones(batch, slots, dtype=torch.bool, device=device)
    if present.shape != (batch, slots) or present.dtype != torch.bool:
        raise ValueError(f"present must be a bool tensor of shape ({batch}, {slots})")
    predictions = torch.einsum("bkd,cd->bkc", embeddings, text_bank).argmax(dim=-1)
    sample_of_slot = torch.arange(batch, device=device).unsqueeze(1).expand(-1, slots)
    negatives = torch.zeros(batch, classes, dtype=torch.bool, device=device)
    negatives[sample_of_slot[present], predictions[present]] = True
    negatives[torch.arange(batch, device=device), labels] = False
    all_right = ~negatives.any(dim=1)
    # A uniform draw among the C - 1 wrong labels: skip over the true one.
    draw = torch.randint(0, classes - 1, (batch,), generator=rng, device="cpu").to(labels.device)
    random_wrong = draw + (draw >= labels).long()
    rows = torch.nonzero(all_right).squeeze(1)
    negatives[rows, random_wrong[rows]] = True
    return negatives


def af_loss(
    fused: torch.Tensor,
    text_bank: torch.Tensor,
    labels: torch.Tensor,
    negative_mask: torch.Tensor | None,
    tau: float,
    full_vocab_ce: bool = False,
    weight: float = 1.0,
) -> LossTerms:
    """Eq. 9 on the fused embedding, optionally plus ``weight`` x the full-vocabulary CE.

    L_neg = -log( exp(F·t_y/τ) / (exp(F·t_y/τ) + Σ_{n ∈ negatives} exp(F·t_n/τ)) ): a
    cross-entropy restricted to the true label and the (B, C) ``negative_mask``. With
    ``negative_mask=None`` only the full-vocabulary CE is used (the "AF without negative
    labels" baseline), which is also what L_neg equals when every wrong label is a negative.
    """
    _check_rows("fused", fused)
    _check_rows("text_bank", text_bank)
    _check_labels(labels, fused.shape[0], text_bank.shape[0])
    if negative_mask is None and not full_vocab_ce:
        raise ValueError("af_loss needs negatives, full_vocab_ce, or both")
    logits = fused @ text_bank.detach().T / tau
    parts: dict[str, torch.Tensor] = {}
    total = fused.new_zeros(())
    if negative_mask is not None:
        if negative_mask.shape != logits.shape or negative_mask.dtype != torch.bool:
            raise ValueError(f"negative_mask must be a bool tensor of shape {tuple(logits.shape)}")
        keep = negative_mask.clone()
        keep[torch.arange(len(labels)), labels] = True
        parts["neg"] = F.cross_entropy(logits.masked_fill(~keep, float("-inf")), labels)
        total = total + parts["neg"]
    if full_vocab_ce:
        parts["full"] = F.cross_entropy(logits, labels)
        total = total + weight * parts["full"]
    return LossTerms(total, parts)
