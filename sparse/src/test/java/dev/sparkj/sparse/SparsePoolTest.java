package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sparkj.sparse.SparseTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Sparse max / average pooling vs the masked-dense emulation, including max-pool ties. */
class SparsePoolTest {
    static final Pool2dSpec STEM_POOL = Pool2dSpec.of(3, 2, 1);

    static List<ActiveMask> masks() {
        return List.of(patterned(), SparseTesting.random(2, 3, 3, 5, 3), ActiveMask.allVisible(2, 3, 3));
    }

    @Test
    void maxPoolEqualsMaskedDense() {
        Rng rng = new Rng(1);
        for (ActiveMask mask : masks()) {
            Tensor x = normal(rng, mask.batch(), 3, 12, 12);
            Tensor mOut = mask.upsample(2);
            compare(mask, x, new Variable[0], s -> SparseOps.maxPool2d(s, STEM_POOL, "maxpool"),
                    xm -> F.mul(F.maxPool2d(xm, STEM_POOL), Variable.of(mOut)), 1e-6);
        }
    }

    @Test
    void maxPoolTiesGoToTheFirstMaximumAsPyTorch() {
        Rng rng = new Rng(2);
        for (ActiveMask mask : masks()) {
            // constant +1 / -1 (every window ties; -1 ties lose to masked zeros), then values in {-1..1} and {-2..2}
            for (int range : new int[]{-1, -2, 1, 2}) {
                Tensor x = range < 0 ? Tensor.ones(mask.batch(), 2, 12, 12).mul(range == -1 ? 1 : -1)
                        : integers(rng, range, mask.batch(), 2, 12, 12);
                Tensor mOut = mask.upsample(2);
                compare(mask, x, new Variable[0], s -> SparseOps.maxPool2d(s, STEM_POOL, "maxpool"),
                        xm -> F.mul(F.maxPool2d(xm, STEM_POOL), Variable.of(mOut)), 1e-6);
            }
        }
    }

    @Test
    void maskedNeighboursReadZeroAndTheBorderMinusInfinity() {
        // one visible patch (0,0) of tile 2 with all values -1: windows that reach the masked patch see 0
        boolean[] v = {true, false, false, false};
        ActiveMask mask = new ActiveMask(1, 2, 2, v);
        Tensor x = Tensor.full(-1, dev.sparkj.tensor.DType.F32, dev.sparkj.tensor.Backends.cpu(), 1, 1, 4, 4);
        SparseMap y = SparseOps.maxPool2d(SparseMap.of(Variable.of(x), mask, SparseMap.Mode.PACKED), STEM_POOL, "maxpool");
        Tensor d = y.toMaskedDense().data(); // [1, 1, 2, 2], only (0, 0) visible
        // window of output (0,0) covers rows/cols -1..1: the border is -inf, (0..1, 0..1) visible -1 -> max -1
        assertEquals(-1.0, d.get(0, 0, 0, 0));
        assertEquals(0.0, d.get(0, 0, 0, 1));
        // a 2x2-tile variant where the window reaches the masked neighbour: tile 4
        Tensor x4 = Tensor.full(-1, dev.sparkj.tensor.DType.F32, dev.sparkj.tensor.Backends.cpu(), 1, 1, 8, 8);
        SparseMap y4 = SparseOps.maxPool2d(SparseMap.of(Variable.of(x4), mask, SparseMap.Mode.PACKED), STEM_POOL, "maxpool");
        Tensor d4 = y4.toMaskedDense().data(); // [1, 1, 4, 4]; output (1, 1) reads input rows/cols 1..3 inside the visible tile
        assertEquals(-1.0, d4.get(0, 0, 1, 1));
        assertEquals(0.0, d4.get(0, 0, 1, 2), "output (1,2)'s window reaches column 4 in the masked patch, which reads 0");
    }

    @Test
    void avgPoolEqualsMaskedDense() {
        Rng rng = new Rng(3);
        for (ActiveMask mask : masks()) {
            Tensor x = normal(rng, mask.batch(), 3, 12, 12);
            for (Pool2dSpec spec : new Pool2dSpec[]{Pool2dSpec.of(3, 2, 1), Pool2dSpec.of(2, 2, 0), Pool2dSpec.of(3, 1, 1)}) {
                Tensor mOut = mask.upsample(4 / spec.strideH());
                compare(mask, x, new Variable[0], s -> SparseOps.avgPool2d(s, spec, "avgpool"),
                        xm -> F.mul(F.avgPool2d(xm, spec), Variable.of(mOut)), 1e-5);
                compare(mask, x, new Variable[0], s -> SparseOps.avgPool2d(s, spec, "avgpool"), null, 1e-5);
            }
        }
    }
}
