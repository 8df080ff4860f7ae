package dev.sparkj.autograd;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself: it passes correct gradients, catches wrong ones and names the worst element. */
class GradCheckTest {

    /** x² with a deliberately wrong derivative at one element (index [1, 2] gets 3x instead of 2x). */
    private static Variable brokenSquare(Variable a) {
        Tensor x = a.data();
        return Node.unary("brokenSquare", a, x.square(), new Tensor[]{x}, (n, g) -> {
            Tensor two = Tensor.full(2, DType.F64, g.backend(), 2, 3);
            two.set(3, 1, 2);
            return g.mul(n.saved(0)).mul(two);
        });
    }

    @Test
    void catchesAWrongGradientAndNamesTheElement() {
        Tensor x = randn(1, 2, 3);
        GradCheck.Result r = GradCheck.check(v -> brokenSquare(v[0]), x);
        assertFalse(r.ok());
        assertEquals(0, r.input());
        assertArrayEquals(new int[]{1, 2}, r.index());
        assertEquals(1.5 * r.numeric(), r.analytic(), 1e-6 * Math.abs(r.analytic()));
        AssertionError e = assertThrows(AssertionError.class, r::assertOk);
        assertTrue(e.getMessage().contains("FAILED") && e.getMessage().contains("[1, 2]"), e.getMessage());
    }

    @Test
    void passesACorrectGradientWithTinyError() {
        GradCheck.Result r = GradCheck.check(v -> F.square(v[0]), randn(2, 2, 3));
        assertTrue(r.ok(), r.toString());
        assertEquals(6, r.checked());
        assertTrue(r.worstRatio() < 0.1, r.toString());
    }

    @Test
    void castsInputsToDoubleOnTheReferenceBackend() {
        Tensor f32 = Tensor.of(new float[]{1, 2, 3}, 3);
        Tensor ref = GradCheck.toReferenceF64(f32);
        assertEquals(DType.F64, ref.dtype());
        assertEquals("reference", ref.backend().name());
        assertTrue(ref == GradCheck.toReferenceF64(ref));
        GradCheck.assertGradients(v -> F.mul(v[0], v[0]), f32);
    }

    @Test
    void indexInputsAreConstants() {
        Tensor idx = TestData.longs(new long[]{2, 0}, 2);
        GradCheck.Result r = GradCheck.check(v -> F.indexSelect(v[0], 0, v[1].data()), randn(3, 3, 2), idx);
        assertTrue(r.ok(), r.toString());
        assertEquals(6, r.checked());
    }
}
