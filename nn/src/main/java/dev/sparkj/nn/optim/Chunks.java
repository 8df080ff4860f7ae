package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the fused loops over many parameters into fixed-size element ranges run on the shared worker
 * pool. Range boundaries depend only on the tensor sizes (never on the thread count), and partial sums
 * are combined in range order, so results repeat bit for bit on any number of threads.
 */
final class Chunks {
    private Chunks() {}

    /** Elements per work item. */
    static final int SIZE = 1 << 15;

    /** Elements {@code [lo, hi)} of tensor number {@code t}. */
    record Item(int t, int lo, int hi) {}

    /** The work items covering tensors of the given element counts, tensor by tensor. */
    static Item[] split(int[] sizes) {
        List<Item> items = new ArrayList<>();
        for (int t = 0; t < sizes.length; t++)
            for (int lo = 0; lo < sizes[t]; lo += SIZE) items.add(new Item(t, lo, Math.min(sizes[t], lo + SIZE)));
        return items.toArray(new Item[0]);
    }

    interface Body { void run(Item item, int index); }

    /** Runs {@code body} for every item, in parallel. */
    static void run(Item[] items, Body body) {
        Parallel.forEach(items.length, i -> body.run(items[i], i));
    }

    /** Per tensor, the sum over its items of {@code partial[item]}, added in item order. */
    static double[] combine(Item[] items, double[] partial, int tensors) {
        double[] out = new double[tensors];
        for (int i = 0; i < items.length; i++) out[items[i].t()] += partial[i];
        return out;
    }

    /** {@code Σ (float)(x·x)} per tensor in double (fusible tensors only). */
    static double[] sumSquares(List<Tensor> ts) {
        int[] sizes = new int[ts.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = ts.get(i).numel();
        Item[] items = split(sizes);
        double[] partial = new double[items.length];
        run(items, (it, i) -> {
            Tensor t = ts.get(it.t());
            float[] a = Flat.array(t);
            int off = t.offset();
            double s = 0;
            for (int k = it.lo(); k < it.hi(); k++) {
                float x = a[off + k];
                s += x * x;
            }
            partial[i] = s;
        });
        return combine(items, partial, ts.size());
    }
}
