"""The students' supervised reference: a logistic regression on the preprocessed input."""

from __future__ import annotations

import numpy as np

from omnibind_ros.training.scenes import SceneSet
from omnibind_ros.training.supervised_reference import logistic_reference_accuracy


def _scenes(classes: list[str], labels: np.ndarray, inputs: np.ndarray) -> SceneSet:
    present = np.ones(len(labels), bool)
    present[-1] = False  # an absent row (zeros) must not be scored
    return SceneSet(classes, labels, {"audio": inputs.astype(np.float16)}, {"audio": present})


def _blobs(rng: np.random.Generator, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return centres[labels] + 0.1 * rng.standard_normal((len(labels), 1, 4, 5))


def test_the_reference_classifies_separable_inputs_and_matches_classes_by_name() -> None:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 1, 4, 5))  # per class name: dog, fan, car
    train_labels = rng.integers(0, 3, 90)
    train = _scenes(["dog", "fan", "car"], train_labels, _blobs(rng, train_labels, centres))
    # The test set orders its classes apart: index i of it is name ["car", "dog", "fan"][i].
    test_names = np.array([2, 0, 1])  # test index -> train index of the same name
    test_labels = rng.integers(0, 3, 40)
    test = _scenes(
        ["car", "dog", "fan"], test_labels, _blobs(rng, test_names[test_labels], centres)
    )
    assert logistic_reference_accuracy(train, test, "audio") == 1.0


def test_the_reference_is_at_chance_on_inputs_that_carry_no_label() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 400)
    train = _scenes(list("abcd"), labels[:200], rng.standard_normal((200, 1, 4, 5)))
    test = _scenes(list("abcd"), labels[200:], rng.standard_normal((200, 1, 4, 5)))
    assert logistic_reference_accuracy(train, test, "audio") < 0.45
