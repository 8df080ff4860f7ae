package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small builders and float assertions shared by the optimizer tests. */
final class OptimTestSupport {
    private OptimTestSupport() {}

    /** A parameter of the given shape with a gradient. */
    static ParamRef param(float[] value, float[] grad, int... shape) {
        return ParamRef.of(Tensor.of(value.clone(), shape), grad == null ? null : Tensor.of(grad.clone(), shape));
    }

    static ParamGroup group(String name, double lr, double wd, Object... nameParamPairs) {
        LinkedHashMap<String, ParamRef> m = new LinkedHashMap<>();
        for (int i = 0; i < nameParamPairs.length; i += 2) m.put((String) nameParamPairs[i], (ParamRef) nameParamPairs[i + 1]);
        return new ParamGroup(name, m, lr, wd);
    }

    /** Element-wise closeness within {@code rel} of each expected value (float32 results vs exact arithmetic). */
    static void close(double[] expected, Tensor actual, double rel) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, "length");
        for (int i = 0; i < a.length; i++)
            assertEquals(expected[i], a[i], rel * Math.max(1e-30, Math.abs(expected[i])), "element " + i);
    }

    static List<ParamGroup> groups(ParamGroup... gs) { return List.of(gs); }

    static Map<String, ParamRef> named(Object... nameParamPairs) {
        LinkedHashMap<String, ParamRef> m = new LinkedHashMap<>();
        for (int i = 0; i < nameParamPairs.length; i += 2) m.put((String) nameParamPairs[i], (ParamRef) nameParamPairs[i + 1]);
        return m;
    }
}
