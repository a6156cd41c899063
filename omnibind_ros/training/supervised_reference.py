"""A simple supervised reference for a student: logistic regression on its preprocessed input.

A student is distilled into the teachers' space from scarce data; a plain classifier fitted
to the same preprocessed training inputs and labels says whether that distillation learned
more than the raw input already gives. scikit-learn's multinomial logistic regression on the
flattened input, L2-regularised (C=0.1), is the reference (it is not part of any bundle).
"""

from __future__ import annotations

import numpy as np

from omnibind_ros.training.scenes import SceneSet

MAX_ITER = 300
C = 0.1


def logistic_reference_accuracy(train: SceneSet, test: SceneSet, modality: str) -> float:
    """Top-1 accuracy (0-1) on ``test``'s ``modality`` rows of a logistic regression fitted to
    ``train``'s; labels are matched by class name, so the two sets may order classes apart."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    def rows(scenes: SceneSet) -> tuple[np.ndarray, np.ndarray]:
        present = scenes.present[modality]
        flat = scenes.inputs[modality][present].reshape(int(present.sum()), -1)
        return flat.astype(np.float32), np.asarray(scenes.classes)[scenes.labels[present]]

    (x_train, y_train), (x_test, y_test) = rows(train), rows(test)
    classifier = LogisticRegression(max_iter=MAX_ITER, C=C)
    with warnings.catch_warnings():
        # Not converged at MAX_ITER is the reference as defined, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(x_train, y_train)
    return float(np.mean(classifier.predict(x_test) == y_test))
