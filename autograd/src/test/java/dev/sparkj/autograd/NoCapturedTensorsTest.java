package dev.sparkj.autograd;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

import static dev.sparkj.autograd.TestData.distinct;
import static dev.sparkj.autograd.TestData.longs;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guards the memory rule of backward lambdas: none of them may capture a Tensor or Variable (that would keep
 * activations alive after the node frees its saved tensors). Builds a graph through every op of F and
 * inspects the fields each backward function object closes over.
 */
class NoCapturedTensorsTest {

    @Test
    void noBackwardCapturesATensorOrVariable() throws Exception {
        Variable a = Variable.param(randn(1, 2, 3, 4)), b = Variable.param(randn(2, 3, 4)), p = Variable.param(TestData.uniform(3, 0.5, 2, 3, 4));
        Variable img = Variable.param(distinct(4, 1, 2, 4, 4)), w = Variable.param(randn(5, 2, 2, 3, 3)), bias = Variable.param(randn(6, 2));
        Variable m = Variable.param(randn(7, 4, 2)), idxBase = Variable.param(randn(8, 3, 4));
        Tensor cond = randn(9, 3, 4).gt(0), idx = longs(new long[]{0, 2}, 2), gidx = longs(new long[]{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, 3, 4);
        List<Variable> outs = new ArrayList<>(List.of(
                F.add(a, b), F.sub(a, b), F.mul(a, b), F.div(a, p), F.add(a, 1), F.sub(2, a), F.mul(a, 2), F.div(a, 2), F.div(2, p),
                F.neg(a), F.exp(a), F.log(p), F.sqrt(p), F.rsqrt(p), F.square(a), F.pow(p, 1.5), F.abs(a), F.relu(a), F.relu6(a),
                F.gelu(a), F.sigmoid(a), F.tanh(a), F.clamp(a, -1, 1), F.maximum(a, b), F.minimum(a, b), F.where(cond, b, p),
                F.cast(a, DType.F32), F.sum(a, new int[]{1}, false), F.mean(a), F.var(a, new int[]{2}, 1, true),
                F.max(a, new int[]{0}, false), F.min(a, new int[]{1}, true), F.logSoftmax(a, 1), F.softmax(a, 2),
                F.reshape(a, -1), F.flatten(a, 0, 1), F.permute(a, 2, 1, 0), F.transpose(a, 0, 1), F.slice(a, 2, 0, 3, 2),
                F.select(a, 1, 1), F.unsqueeze(a, 0), F.squeeze(F.unsqueeze(a, 0), 0), F.expand(b, 2, 3, 4), F.cat(0, a, a),
                F.stack(0, a, a), F.contiguous(F.transpose(a, 0, 2)), F.toChannelsLast(img),
                F.matmul(a, m), F.linear(a, F.transpose(m, 0, 1), null), F.conv2d(img, w, bias, Conv2dSpec.of(1, 1, 1)),
                F.convTranspose2d(img, F.transpose(w, 0, 1), bias, 2, 1, 1, 1), F.maxPool2d(img, Pool2dSpec.of(2, 2, 0)),
                F.avgPool2d(img, Pool2dSpec.of(3, 1, 1)), F.gather(idxBase, 1, gidx), F.scatterAdd(idxBase, 1, gidx, b),
                F.indexSelect(idxBase, 0, idx), F.indexAdd(idxBase, 1, idx, F.slice(b, 1, 0, 2))));
        IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Node> todo = new ArrayDeque<>();
        for (Variable o : outs) todo.push(o.gradFn());
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.put(n, true) != null) continue;
            String bad = capturedTensor(n.backwardFunction(), 0);
            assertEquals(null, bad, "backward of '" + n.name() + "' captures " + bad);
            for (int i = 0; i < n.inputCount(); i++) if (n.next(i) != null) todo.push(n.next(i));
        }
        assertTrue(seen.size() >= outs.size(), "walked " + seen.size() + " nodes");
    }

    @Test
    void theInspectionSeesACapturedTensor() throws Exception {
        Variable x = Variable.param(randn(10, 3));
        Tensor kept = x.data();
        Variable leaky = Node.unary("leaky", x, kept.square(), Node.NONE, (n, g) -> g.mul(kept).mul(2));
        String bad = capturedTensor(leaky.gradFn().backwardFunction(), 0);
        assertTrue(bad != null && bad.contains("Tensor"), String.valueOf(bad));
    }

    /** The first captured field holding a Tensor or Variable (also inside captured function objects), or null. */
    private static String capturedTensor(Object fn, int depth) throws IllegalAccessException {
        if (fn == null || depth > 4) return null;
        for (Field f : fn.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            Class<?> t = f.getType();
            Class<?> e = t.isArray() ? t.getComponentType() : t;
            if (e == Tensor.class || e == Variable.class) return f.getName() + " : " + t.getSimpleName();
            if (t.isInterface() && !t.getName().startsWith("java.")) {
                f.setAccessible(true);
                String inner = capturedTensor(f.get(fn), depth + 1);
                if (inner != null) return f.getName() + " -> " + inner;
            }
        }
        return null;
    }
}
