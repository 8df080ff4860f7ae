package dev.sparkj.sparse;

import dev.sparkj.autograd.GradCheck;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

/**
 * Finite-difference checks (F64, reference backend) of the packed sparse ops' gradients; in F64 the
 * ops take their composed Tensor-op paths, so this also covers the fallbacks of the direct F32 kernels.
 */
class SparseGradCheckTest {
    static final ActiveMask MASK = new ActiveMask(2, 2, 2, new boolean[]{true, true, false, true, false, false, true, false});

    static Variable packed(Variable x, Function<SparseMap, SparseMap> op) {
        return op.apply(SparseMap.of(x, MASK, SparseMap.Mode.PACKED)).toMaskedDense();
    }

    @Test
    void convolutions() {
        Rng rng = new Rng(1);
        Tensor x = rng.normal(0, 1, 2, 4, 8, 8);
        GradCheck.check(v -> packed(v[0], s -> SparseOps.conv2d(s, v[1], v[2], Conv2dSpec.of(2, 1, 2), "conv")),
                x, rng.normal(0, 1, 6, 2, 3, 3), rng.normal(0, 1, 6)).assertOk();
        GradCheck.check(v -> packed(v[0], s -> SparseOps.conv2d(s, v[1], v[2], Conv2dSpec.of(1, 2, 4), "dwconv")),
                x, rng.normal(0, 1, 4, 1, 5, 5), rng.normal(0, 1, 4)).assertOk();
        GradCheck.check(v -> packed(v[0], s -> SparseOps.conv2d(s, v[1], null, Conv2dSpec.of(1, 1, 1), "conv")),
                x, rng.normal(0, 1, 3, 4, 3, 3)).assertOk();
    }

    @Test
    void poolingAndDensify() {
        Rng rng = new Rng(2);
        Tensor x = rng.normal(0, 1, 2, 3, 8, 8);
        GradCheck.check(v -> packed(v[0], s -> SparseOps.maxPool2d(s, Pool2dSpec.of(3, 2, 1), "maxpool")), x).assertOk();
        GradCheck.check(v -> packed(v[0], s -> SparseOps.avgPool2d(s, Pool2dSpec.of(3, 2, 1), "avgpool")), x).assertOk();
        GradCheck.check(v -> SparseMap.of(v[0], MASK, SparseMap.Mode.PACKED).densify(v[1]), x, rng.normal(0, 1, 1, 3, 1, 1)).assertOk();
    }
}
