package dev.sparkj.nn;

import dev.sparkj.autograd.GradCheck;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.nn.Checks.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Values (worked by hand / with PyTorch's formulas) and gradient checks of the losses. */
class LossTest {
    private static final Tensor LABELS = Tensor.ofLongs(new long[]{2, 0}, 2);

    @Test
    void crossEntropyValue() {
        Tensor logits = Tensor.of(new double[]{1, 2, 3, 0.5, 0.5, -1}, 2, 3);
        // row 0: -log softmax[2] = log(e^1+e^2+e^3) - 3; row 1: log(2e^.5 + e^-1) - 0.5
        double r0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double r1 = Math.log(2 * Math.exp(0.5) + Math.exp(-1)) - 0.5;
        assertEquals((r0 + r1) / 2, Losses.crossEntropy(Variable.of(logits), LABELS).data().item(), 1e-12);
    }

    @Test
    void crossEntropyLabelSmoothing() {
        Tensor logits = Tensor.of(new double[]{1, 2, 3, 0.5, 0.5, -1}, 2, 3);
        Tensor lp = Losses.logSoftmax(logits);
        double eps = 0.1, k = 3;
        double expect = 0;
        int[] y = {2, 0};
        for (int n = 0; n < 2; n++) {
            double nll = -lp.get(n, y[n]), smooth = 0;
            for (int j = 0; j < 3; j++) smooth -= lp.get(n, j) / k;
            expect += (1 - eps) * nll + eps * smooth;
        }
        assertEquals(expect / 2, Losses.crossEntropy(Variable.of(logits), LABELS, eps).data().item(), 1e-12);
    }

    @Test
    void crossEntropyGradients() {
        Tensor labels = Tensor.ofLongs(new long[]{1, 3, 0}, 3);
        GradCheck.check(v -> Losses.crossEntropy(v[0], labels, 0.1), randn(1, 3, 4)).assertOk();
        GradCheck.check(v -> Losses.crossEntropy(v[0], labels), randn(2, 3, 4).mul(5)).assertOk();
    }

    @Test
    void softTargetCrossEntropy() {
        Tensor t = Tensor.of(new double[]{0.7, 0.3, 0, 0.1, 0.1, 0.8}, 2, 3);
        Tensor logits = randn(3, 2, 3);
        Tensor lp = Losses.logSoftmax(logits);
        double expect = -lp.mul(t).sum().item() / 2;
        assertEquals(expect, Losses.softTargetCrossEntropy(Variable.of(logits), t).data().item(), 1e-12);
        GradCheck.check(v -> Losses.softTargetCrossEntropy(v[0], t), logits).assertOk();
        // targets that do not sum to one still get the exact gradient
        Tensor t2 = Tensor.of(new double[]{0.5, 0.2, 0, 0.1, 0.9, 0.8}, 2, 3);
        GradCheck.check(v -> Losses.softTargetCrossEntropy(v[0], t2), logits).assertOk();
    }

    @Test
    void binaryCrossEntropyWithLogits() {
        Tensor x = Tensor.of(new double[]{-30, -1, 0, 2, 40, 0.5}, 2, 3), t = Tensor.of(new double[]{0, 1, 0.5, 1, 0, 0.25}, 2, 3);
        double expect = 0;
        for (int i = 0; i < 6; i++) {
            double xi = x.toDoubleArray()[i], ti = t.toDoubleArray()[i];
            double p = 1 / (1 + Math.exp(-xi));
            // -[t log p + (1-t) log(1-p)], in the stable form for the extreme logits
            expect += Math.max(xi, 0) - xi * ti + Math.log1p(Math.exp(-Math.abs(xi)));
            if (Math.abs(xi) < 5) assertEquals(-(ti * Math.log(p) + (1 - ti) * Math.log(1 - p)), Math.max(xi, 0) - xi * ti + Math.log1p(Math.exp(-Math.abs(xi))), 1e-12);
        }
        assertEquals(expect / 6, Losses.binaryCrossEntropyWithLogits(Variable.of(x), t).data().item(), 1e-12);
        GradCheck.check(v -> Losses.binaryCrossEntropyWithLogits(v[0], t), randn(4, 2, 3)).assertOk();
    }

    @Test
    void mse() {
        Tensor a = Tensor.of(new double[]{1, 2, 3, 4}, 2, 2), b = Tensor.of(new double[]{0, 2, 5, 1}, 2, 2);
        assertEquals((1 + 0 + 4 + 9) / 4.0, Losses.mse(Variable.of(a), Variable.of(b)).data().item(), 1e-12);
        GradCheck.check(v -> Losses.mse(v[0], v[1]), randn(5, 2, 3), randn(6, 2, 3)).assertOk();
    }
}
