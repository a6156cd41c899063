"""Stage I (CAD, Eq. 2-7) and stage II (AF, Eq. 9) losses on inputs small enough to do by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.training.losses import (
    CADLoss,
    af_loss,
    batch_infonce,
    cross_modal_kd,
    hard_negative_mask,
    intra_modal_kd,
    text_supervised_contrastive,
)

S = 1 / math.sqrt(2)


def unit_rows(rows: int, dim: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(rows, dim, generator=generator), dim=-1)


def kl(p: list[float], q: list[float]) -> float:
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q, strict=True))


def softmax(xs: list[float]) -> list[float]:
    exps = [math.exp(x) for x in xs]
    return [e / sum(exps) for e in exps]


def test_text_contrastive_matches_a_hand_computed_2x3_cross_entropy() -> None:
    e_s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    text_bank = torch.tensor([[1.0, 0.0], [0.0, 1.0], [S, S]])
    labels = torch.tensor([0, 2])
    # logits / tau=0.5: row 0 = [2, 0, 2s], row 1 = [0, 2, 2s]
    row0 = -2 + math.log(math.exp(2) + 1 + math.exp(2 * S))
    row1 = -2 * S + math.log(1 + math.exp(2) + math.exp(2 * S))
    loss = text_supervised_contrastive(e_s, text_bank, labels, tau=0.5)
    assert loss.item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_batch_infonce_matches_a_hand_computed_value() -> None:
    e_s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    e_t = torch.tensor([[1.0, 0.0], [S, S]])
    # row 0 logits [1, s], target 0; row 1 logits [0, s], target 1 (tau = 1)
    row0 = -1 + math.log(math.e + math.exp(S))
    row1 = -S + math.log(1 + math.exp(S))
    assert batch_infonce(e_s, e_t, tau=1.0).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_cross_modal_kd_is_zero_when_student_equals_the_image_teacher() -> None:
    e_i, e_t = unit_rows(6, 8, seed=1), unit_rows(6, 8, seed=2)
    assert cross_modal_kd(e_i.clone(), e_i, e_t, tau=0.07).item() == pytest.approx(0.0, abs=1e-6)
    assert cross_modal_kd(unit_rows(6, 8, seed=3), e_i, e_t, tau=0.07).item() > 1e-3


def test_cross_modal_kd_matches_a_hand_computed_kl() -> None:
    e_i = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    e_t = torch.tensor([[1.0, 0.0], [S, S]])
    e_s = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    # tau = 1: P_IT rows softmax([1, s]), softmax([0, s]); student rows softmax([0, s]), ([1, s])
    expected = (kl(softmax([1, S]), softmax([0, S])) + kl(softmax([0, S]), softmax([1, S]))) / 2
    assert cross_modal_kd(e_s, e_i, e_t, tau=1.0).item() == pytest.approx(expected, rel=1e-5)


def test_intra_modal_kd_is_zero_when_student_shares_the_teachers_self_similarity() -> None:
    e_s = unit_rows(5, 4, seed=4)
    assert intra_modal_kd(e_s, e_s.clone(), e_s.clone(), tau=0.1).item() == pytest.approx(
        0.0, abs=1e-6
    )


def test_intra_modal_kd_matches_a_hand_computed_kl() -> None:
    # Two images of different scenes, one shared label text: S = [[1, .5], [.5, 1]].
    e_i = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    e_t = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    e_s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    expected = kl(softmax([1, 0.5]), softmax([1, 0]))  # both rows alike (tau = 1)
    assert intra_modal_kd(e_s, e_i, e_t, tau=1.0).item() == pytest.approx(expected, rel=1e-5)


def test_cad_gradients_reach_only_the_student() -> None:
    student = torch.nn.Linear(8, 4)
    e_s = F.normalize(student(torch.randn(6, 8)), dim=-1)
    e_i = unit_rows(6, 4, seed=5).requires_grad_()
    text_bank = unit_rows(3, 4, seed=6).requires_grad_()
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    for contrastive in ("text", "infonce"):
        student.zero_grad()
        CADLoss(contrastive=contrastive)(e_s, labels, text_bank, e_i).total.backward(
            retain_graph=True
        )
        assert student.weight.grad is not None and student.weight.grad.abs().sum() > 0
        assert e_i.grad is None and text_bank.grad is None


def test_cad_switches_drop_terms_and_lambdas_weight_them() -> None:
    e_s, e_i = unit_rows(4, 5, seed=7), unit_rows(4, 5, seed=8)
    text_bank, labels = unit_rows(3, 5, seed=9), torch.tensor([0, 1, 2, 1])
    full = CADLoss(lambda_cross=2.0, lambda_self=0.5)(e_s, labels, text_bank, e_i)
    assert set(full.parts) == {"con", "cross", "self"}
    weighted = full.parts["con"] + 2.0 * full.parts["cross"] + 0.5 * full.parts["self"]
    assert full.total.item() == pytest.approx(weighted.item(), rel=1e-6)

    no_cross = CADLoss(use_cross=False)(e_s, labels, text_bank, e_i)
    assert set(no_cross.parts) == {"con", "self"}
    assert no_cross.total.item() == pytest.approx(
        (full.parts["con"] + full.parts["self"]).item(), rel=1e-6
    )
    con_only = CADLoss(use_cross=False, use_self=False)(e_s, labels, text_bank)
    assert set(con_only.parts) == {"con"}
    assert con_only.total.item() == pytest.approx(full.parts["con"].item(), rel=1e-6)


def test_cad_infonce_flag_uses_the_batch_infonce_against_label_texts() -> None:
    e_s, text_bank, labels = (
        unit_rows(4, 5, seed=10),
        unit_rows(3, 5, seed=11),
        torch.tensor([2, 0, 1, 1]),
    )
    terms = CADLoss(contrastive="infonce", use_cross=False, use_self=False)(e_s, labels, text_bank)
    expected = batch_infonce(e_s, text_bank[labels], 0.07)
    assert terms.parts["con"].item() == pytest.approx(expected.item(), rel=1e-6)
    assert expected.item() != pytest.approx(
        text_supervised_contrastive(e_s, text_bank, labels, 0.07).item(), rel=1e-3
    )


def test_cad_distillation_without_image_embeddings_is_an_error() -> None:
    with pytest.raises(ValueError, match="e_i"):
        CADLoss()(unit_rows(2, 3, seed=0), torch.tensor([0, 1]), unit_rows(2, 3, seed=1))


@pytest.mark.parametrize(
    "settings",
    [
        {"use_con": False, "use_cross": False, "use_self": False},
        {"tau": 0.0},
        {"contrastive": "triplet"},
        {"lambda_self": -1.0},
    ],
)
def test_cad_rejects_unusable_settings(settings: dict) -> None:
    with pytest.raises(ConfigError):
        CADLoss(**settings)


def test_af_loss_with_every_wrong_label_negative_equals_the_full_cross_entropy() -> None:
    fused, text_bank = unit_rows(4, 6, seed=12), unit_rows(5, 6, seed=13)
    labels = torch.tensor([0, 3, 4, 1])
    all_wrong = torch.ones(4, 5, dtype=torch.bool)
    all_wrong[torch.arange(4), labels] = False
    terms = af_loss(fused, text_bank, labels, all_wrong, tau=0.07)
    full = F.cross_entropy(fused @ text_bank.T / 0.07, labels)
    assert terms.total.item() == pytest.approx(full.item(), rel=1e-6)


def test_af_loss_without_negatives_reduces_to_the_full_vocabulary_cross_entropy() -> None:
    fused, text_bank, labels = (
        unit_rows(3, 6, seed=14),
        unit_rows(4, 6, seed=15),
        torch.tensor([0, 1, 3]),
    )
    terms = af_loss(fused, text_bank, labels, None, tau=0.1, full_vocab_ce=True)
    assert set(terms.parts) == {"full"}
    full = F.cross_entropy(fused @ text_bank.T / 0.1, labels)
    assert terms.total.item() == pytest.approx(full.item(), rel=1e-6)


def test_af_loss_counts_only_the_true_label_and_its_negatives() -> None:
    fused = torch.tensor([[1.0, 0.0]])
    text_bank = torch.tensor([[1.0, 0.0], [0.0, 1.0], [S, S]])
    mask = torch.tensor([[False, False, True]])  # label 1 is no negative: it must not count
    expected = -math.log(math.exp(1) / (math.exp(1) + math.exp(S)))  # tau = 1
    terms = af_loss(fused, text_bank, torch.tensor([0]), mask, tau=1.0)
    assert terms.total.item() == pytest.approx(expected, rel=1e-6)
    # No negatives at all for a sample: -log(1) = 0.
    none = af_loss(
        fused, text_bank, torch.tensor([0]), torch.zeros(1, 3, dtype=torch.bool), tau=1.0
    )
    assert none.total.item() == pytest.approx(0.0, abs=1e-7)


def test_af_loss_adds_the_weighted_full_cross_entropy_and_trains_only_the_fused_side() -> None:
    fused = unit_rows(3, 4, seed=16).requires_grad_()
    text_bank = unit_rows(4, 4, seed=17).requires_grad_()
    labels, mask = torch.tensor([1, 2, 3]), torch.zeros(3, 4, dtype=torch.bool)
    mask[0, 0] = mask[1, 3] = mask[2, 0] = True
    terms = af_loss(fused, text_bank, labels, mask, tau=0.07, full_vocab_ce=True, weight=0.25)
    assert terms.total.item() == pytest.approx(
        (terms.parts["neg"] + 0.25 * terms.parts["full"]).item(), rel=1e-6
    )
    terms.total.backward()
    assert fused.grad is not None and fused.grad.abs().sum() > 0
    assert text_bank.grad is None


def test_hard_negatives_are_the_wrong_predictions_of_present_modalities() -> None:
    text_bank = torch.eye(3)
    embeddings = torch.tensor(
        [
            [[0.1, 0.9, 0.0], [0.0, 0.2, 0.8], [1.0, 0.0, 0.0]],  # label 0: predicts 1, 2, 0
            [[0.0, 1.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]],  # label 1: predicts 1, 0, (2)
        ]
    )
    present = torch.tensor([[True, True, True], [True, True, False]])
    mask = hard_negative_mask(embeddings, text_bank, torch.tensor([0, 1]), present)
    assert mask.tolist() == [[False, True, True], [True, False, False]]


def test_hard_negatives_fall_back_to_one_random_wrong_label_when_all_are_right() -> None:
    classes, batch = 4, 400
    text_bank = torch.eye(classes)
    labels = torch.arange(batch) % classes
    embeddings = text_bank[labels].unsqueeze(1).repeat(1, 2, 1)  # both modalities correct
    mask = hard_negative_mask(embeddings, text_bank, labels, rng=torch.Generator().manual_seed(0))
    assert (mask.sum(dim=1) == 1).all()
    assert not mask[torch.arange(batch), labels].any()
    assert (mask.sum(dim=0) > 0).all()  # every label gets drawn as someone's negative
    again = hard_negative_mask(embeddings, text_bank, labels, rng=torch.Generator().manual_seed(0))
    assert torch.equal(mask, again)


def test_losses_reject_mismatched_shapes_and_labels() -> None:
    e_s, text_bank = unit_rows(3, 4, seed=18), unit_rows(2, 4, seed=19)
    with pytest.raises(ValueError, match="labels"):
        text_supervised_contrastive(e_s, text_bank, torch.tensor([0, 1, 2]), 0.07)
    with pytest.raises(ValueError, match="e_i"):
        cross_modal_kd(e_s, unit_rows(2, 4, seed=20), unit_rows(3, 4, seed=21), 0.07)
    with pytest.raises(ValueError, match="negative_mask"):
        af_loss(e_s, text_bank, torch.tensor([0, 1, 0]), torch.ones(3, 3, dtype=torch.bool), 0.07)
    with pytest.raises(ValueError, match="needs negatives"):
        af_loss(e_s, text_bank, torch.tensor([0, 1, 0]), None, 0.07)


@pytest.mark.parametrize(
    "device",
    [
        "cpu",
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
        ),
    ],
)
def test_losses_stay_on_the_device_of_their_inputs(device: str) -> None:
    e_s, e_i = unit_rows(4, 6, seed=22).to(device), unit_rows(4, 6, seed=23).to(device)
    text_bank, labels = (
        unit_rows(3, 6, seed=24).to(device),
        torch.tensor([0, 1, 2, 0], device=device),
    )
    cad = CADLoss()(e_s, labels, text_bank, e_i)
    embeddings = torch.stack([e_s, e_i], dim=1)
    negatives = hard_negative_mask(
        embeddings, text_bank, labels, rng=torch.Generator().manual_seed(1)
    )
    af = af_loss(e_s, text_bank, labels, negatives, tau=0.07, full_vocab_ce=True)
    for value in (cad.total, negatives, af.total):
        assert value.device.type == device
    assert torch.isfinite(cad.total) and torch.isfinite(af.total)
