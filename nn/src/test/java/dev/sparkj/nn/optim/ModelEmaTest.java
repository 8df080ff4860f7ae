package dev.sparkj.nn.optim;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The EMA of weights against hand-computed averages, including timm's truncation of integer buffers. */
class ModelEmaTest {
    static Map<String, Tensor> state(float w0, float w1, long batches) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("fc.weight", Tensor.of(new float[]{w0, w1}, 1, 2));
        m.put("bn.num_batches_tracked", Tensor.ofLongs(new long[]{batches}));
        return m;
    }

    @Test
    void averagesEveryEntryInOrder() {
        Map<String, Tensor> model = state(1, 2, 0);
        ModelEma ema = new ModelEma(model, 0.9);
        // the EMA holds copies: changing the model does not move it
        model.get("fc.weight").fill(3);
        assertArrayEquals(new float[]{1, 2}, ema.state().get("fc.weight").toFloatArray());
        // update 1 towards [3, 6], 5 batches: e = 0.9 e + 0.1 m = [0.9 + 0.3, 1.8 + 0.6] = [1.2, 2.4];
        // batches: float 0.9 * 0 + 0.1 * 5 = 0.5 -> truncated to 0 when copied back into the int64 buffer
        ema.update(state(3, 6, 5));
        assertArrayEquals(new float[]{1.2f, 2.4f}, ema.state().get("fc.weight").toFloatArray(), 1e-6f);
        assertEquals(0, ema.state().get("bn.num_batches_tracked").toLongArray()[0]);
        // update 2 towards [3, 6], 15 batches: [0.9 * 1.2 + 0.3, 0.9 * 2.4 + 0.6] = [1.38, 2.76]; 0 + 1.5 -> 1
        ema.update(state(3, 6, 15));
        assertArrayEquals(new float[]{1.38f, 2.76f}, ema.state().get("fc.weight").toFloatArray(), 1e-6f);
        assertEquals(1, ema.state().get("bn.num_batches_tracked").toLongArray()[0]);
        assertEquals(DType.I64, ema.state().get("bn.num_batches_tracked").dtype());
        // set copies the model outright
        ema.set(state(7, 8, 9));
        assertArrayEquals(new float[]{7, 8}, ema.state().get("fc.weight").toFloatArray());
        assertEquals(9, ema.state().get("bn.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void decayIsRoundedToFloatLikePyTorch() {
        // 0.9999 and 1 - 0.9999 are rounded to float32 before multiplying: e = f(0.9999) * 1 + f(0.0001) * 0
        ModelEma ema = new ModelEma(state(1, 1, 0), 0.9999);
        ema.update(state(0, 0, 0));
        assertEquals((float) 0.9999, ema.state().get("fc.weight").toFloatArray()[0]);
    }

    @Test
    void mismatchedStatesAreRejected() {
        ModelEma ema = new ModelEma(state(1, 2, 0), 0.9);
        Map<String, Tensor> other = new LinkedHashMap<>();
        other.put("fc.bias", Tensor.of(new float[]{1, 2}, 1, 2));
        other.put("bn.num_batches_tracked", Tensor.ofLongs(new long[]{0}));
        assertThrows(IllegalArgumentException.class, () -> ema.update(other));
    }
}
