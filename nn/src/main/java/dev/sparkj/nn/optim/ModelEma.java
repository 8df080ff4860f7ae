package dev.sparkj.nn.optim;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An exponential moving average of a model's state (parameters and buffers), as timm's {@code ModelEmaV2}:
 * a copy taken at construction, then {@code e = decay·e + (1 - decay)·m} for every entry in order, computed
 * in float32 ({@code float(decay)·e} and {@code float(1 - decay)·m} each rounded, then added) and stored
 * back in the entry's type, so integer buffers such as {@code num_batches_tracked} are truncated as
 * PyTorch's {@code copy_} does.
 */
public final class ModelEma {
    private final double decay;
    private final LinkedHashMap<String, Tensor> ema = new LinkedHashMap<>();

    /** Copies {@code modelState} (name → tensor, in the model's state-dict order). */
    public ModelEma(Map<String, Tensor> modelState, double decay) {
        this.decay = decay;
        for (Map.Entry<String, Tensor> e : modelState.entrySet()) ema.put(e.getKey(), e.getValue().copy());
    }

    public double decay() { return decay; }

    /** The averaged state, by name (the tensors are live; copy them to keep a snapshot). */
    public Map<String, Tensor> state() { return Collections.unmodifiableMap(ema); }

    /** One averaging step towards the model's current state. */
    public void update(Map<String, Tensor> modelState) {
        List<Tensor[]> fused = new ArrayList<>();
        zip(modelState, (e, m) -> {
            if (Flat.fusible(e, m)) {
                fused.add(new Tensor[]{e, m});
                return;
            }
            // PyTorch: a float tensor keeps its dtype (scalars rounded to it); an integer one computes in float32
            DType dt = e.dtype().isFloating() ? e.dtype() : DType.F32;
            double a = dt == DType.F32 ? (float) decay : decay, b = dt == DType.F32 ? (float) (1. - decay) : 1. - decay;
            e.copyFrom(e.cast(dt).mul(a).add(m.cast(dt).mul(b))); // copy rounds / truncates to e's dtype
        });
        float a = (float) decay, b = (float) (1. - decay);
        int[] sizes = new int[fused.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = fused.get(i)[0].numel();
        Chunks.Item[] items = Chunks.split(sizes);
        Chunks.run(items, (it, idx) -> {
            Tensor e = fused.get(it.t())[0], m = fused.get(it.t())[1];
            float[] ea = Flat.array(e), ma = Flat.array(m);
            int eo = e.offset(), mo = m.offset();
            for (int i = it.lo(); i < it.hi(); i++) ea[eo + i] = a * ea[eo + i] + b * ma[mo + i];
        });
    }

    /** Copies the model's state into the average (timm's {@code set}). */
    public void set(Map<String, Tensor> modelState) {
        zip(modelState, (e, m) -> e.copyFrom(m.cast(e.dtype())));
    }

    private interface Pair { void apply(Tensor ema, Tensor model); }

    private void zip(Map<String, Tensor> modelState, Pair f) {
        if (modelState.size() != ema.size())
            throw new IllegalArgumentException("model state has " + modelState.size() + " entries, the EMA " + ema.size());
        Iterator<Map.Entry<String, Tensor>> it = modelState.entrySet().iterator();
        for (Map.Entry<String, Tensor> e : ema.entrySet()) {
            Map.Entry<String, Tensor> m = it.next();
            if (!m.getKey().equals(e.getKey()))
                throw new IllegalArgumentException("model state entry " + m.getKey() + " where the EMA has " + e.getKey());
            if (!Arrays.equals(m.getValue().shape(), e.getValue().shape()))
                throw new IllegalArgumentException(e.getKey() + ": shape " + Arrays.toString(m.getValue().shape()) + " vs EMA " + Arrays.toString(e.getValue().shape()));
            f.apply(e.getValue(), m.getValue());
        }
    }
}
