package dev.sparkj.spark.ckpt;

import dev.sparkj.spark.model.SparK;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.PthReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spark-style checkpoint written by the PyTorch reference ({@code *_withdecoder_1kpretrained_spark_style.pth}):
 * a dict with {@code module} (the SparK state, keys possibly {@code module.}-prefixed, plus the plain
 * {@code config} dict of {@code state_dict(with_config=True)} and the unused {@code imn_m} / {@code imn_s} /
 * {@code norm_black} buffers), {@code arch} (the timm model name), {@code input_size}, {@code epoch},
 * {@code optimizer}, ... A bare SparK state dict (with or without {@code config}) is accepted too.
 *
 * @param arch      timm model name ({@code resnet50}, {@code convnext_small}, ...), or null when the file has none
 * @param inputSize {@code config['sparse_encoder.input_size']}, else the wrapper's {@code input_size}, else 0
 * @param epoch     the wrapper's {@code epoch} (the last finished, 0-based), or -1
 * @param config    SparK's {@code get_config()} dict (empty when absent)
 * @param state     the tensors with the {@code module.} prefix removed and the unused buffers dropped
 * @param ignored   the keys that were dropped (unused buffers, non-tensor entries other than {@code config})
 */
public record ReleasedCheckpoint(String arch, int inputSize, int epoch, Map<String, Object> config,
                                 Map<String, Tensor> state, List<String> ignored) {

    /** Reads a reference checkpoint file. */
    public static ReleasedCheckpoint read(Path file) throws IOException {
        return parse(PthReader.read(file), file.toString());
    }

    /** Interprets an object read by {@link PthReader#read}; {@code name} is used in messages. */
    @SuppressWarnings("unchecked")
    public static ReleasedCheckpoint parse(Object loaded, String name) {
        if (!(loaded instanceof Map<?, ?> top))
            throw new IllegalArgumentException(name + " holds a " + (loaded == null ? "None" : loaded.getClass().getSimpleName()) + ", not a dict");
        Map<?, ?> module = top.get("module") instanceof Map<?, ?> m ? m : top;
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, Object> config = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Map.Entry<?, ?> e : module.entrySet()) {
            if (!(e.getKey() instanceof String raw)) throw new IllegalArgumentException(name + ": state key " + e.getKey() + " is not a string");
            String k = raw.startsWith("module.") ? raw.substring("module.".length()) : raw;
            if (k.equals("config") && e.getValue() instanceof Map<?, ?> c) {
                for (Map.Entry<?, ?> ce : c.entrySet()) config.put(String.valueOf(ce.getKey()), ce.getValue());
            } else if (!(e.getValue() instanceof Tensor t) || SparK.UNUSED_REFERENCE_KEYS.contains(k)) {
                if (module != top || e.getValue() instanceof Tensor) ignored.add(raw);
            } else if (state.put(k, t) != null) {
                throw new IllegalArgumentException(name + ": key '" + k + "' occurs twice after removing the 'module.' prefix");
            }
        }
        if (state.isEmpty())
            throw new IllegalArgumentException(name + ": no SparK state found (expected a 'module' dict of tensors; top-level keys: " + top.keySet() + ")");
        String arch = top.get("arch") instanceof String s ? s : null;
        int inputSize = 0;
        if (config.get("sparse_encoder.input_size") instanceof Number n) inputSize = n.intValue();
        else if (top.get("input_size") instanceof Number n) inputSize = n.intValue();
        int epoch = top.get("epoch") instanceof Number n ? n.intValue() : -1;
        return new ReleasedCheckpoint(arch, inputSize, epoch, config, state, ignored);
    }

    /** {@code config['mask_ratio']}, or {@code dflt}. */
    public double maskRatio(double dflt) { return config.get("mask_ratio") instanceof Number n ? n.doubleValue() : dflt; }

    /** {@code config['densify_norm_str']}, or {@code dflt}. */
    public String densifyNorm(String dflt) { return config.get("densify_norm_str") instanceof String s ? s : dflt; }

    /** {@code config['dense_decoder.width']}, or {@code dflt}. */
    public int decoderWidth(int dflt) { return config.get("dense_decoder.width") instanceof Number n ? n.intValue() : dflt; }

    /** True when the state holds a whole SparK model (encoder under {@code sparse_encoder.sp_cnn.}). */
    public boolean isSparkState() {
        for (String k : state.keySet()) if (k.startsWith(EncoderExport.PREFIX)) return true;
        return false;
    }
}
